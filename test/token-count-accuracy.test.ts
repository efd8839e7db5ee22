// count_tokens on real Claude Code requests (the recorded token corpus): never 0, and within 10 % of the
// answer o200k_base gives (what count_tokens answered before it counted with cl100k_base).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { countRequestTokens, requestPieces, withSafetyFactor } from '../packages/core/src/tokens/count-tokens.ts'
import { claudeCodeRequests } from './token-corpus/countable-requests.ts'

test('count_tokens on every Claude Code request of the corpus: never 0, within 10 % of the o200k answer', async () => {
  const requests = claudeCodeRequests()
  assert.ok(requests.length > 300, `${requests.length} requests`)
  let worst = 0
  for (const { session, seq, request } of requests) {
    const counted = await countRequestTokens(request)
    const { texts, fixed } = requestPieces(request)
    const o200k = withSafetyFactor(texts.reduce((sum, text) => sum + countTokens(text, { disallowedSpecial: new Set() }), 0), fixed)
    assert.ok(counted >= 1, `${session} #${seq} counted 0`)
    const off = Math.abs(counted / o200k - 1)
    assert.ok(off <= 0.1, `${session} #${seq}: ${counted} against ${o200k} with o200k`)
    worst = Math.max(worst, off)
  }
  // The measured agreement is far tighter than the limit (bench:tokenizer: 0.991–1.001).
  assert.ok(worst < 0.03, `worst ${(worst * 100).toFixed(1)} %`)
})
