import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { routingSet } from './__fixtures__/routing-set.ts'
import { scoreComplexity, tierForScore, TIERS } from './score-complexity.ts'

describe('complexity score on the labelled Claude-Code-shaped set', () => {
  const results = routingSet.map((c) => ({ ...c, result: scoreComplexity(c.request) }))

  test('the set is large and covers every tier', () => {
    assert.ok(routingSet.length >= 60, `only ${routingSet.length} cases`)
    for (const tier of TIERS) assert.ok(routingSet.filter((c) => c.tier === tier).length >= 12, `${tier} has too few cases`)
  })

  test('at least 80% land in their labelled tier', () => {
    const misses = results.filter((r) => r.result.tier !== r.tier)
    const rate = 1 - misses.length / results.length
    const detail = misses.map((m) => `${m.name}: labelled ${m.tier}, scored ${m.result.score} (${m.result.tier})`).join('\n')
    assert.ok(rate >= 0.8, `${(rate * 100).toFixed(1)}% in tier\n${detail}`)
  })

  test('every tier is reached by ≥ 80% of its own cases (no tier is a dumping ground)', () => {
    for (const tier of TIERS) {
      const own = results.filter((r) => r.tier === tier)
      const hits = own.filter((r) => r.result.tier === tier).length
      assert.ok(hits / own.length >= 0.75, `${tier}: ${hits}/${own.length}`)
    }
  })

  test('scores spread over the whole 0–100 range', () => {
    const scores = results.map((r) => r.result.score)
    assert.ok(Math.min(...scores) <= 5, `lowest ${Math.min(...scores)}`)
    assert.ok(Math.max(...scores) >= 95, `highest ${Math.max(...scores)}`)
    // Every decile band holds at least one request: no clumping in a narrow band (the original's 10–30).
    const bands = new Set(scores.map((score) => Math.min(9, Math.floor(score / 10))))
    assert.ok(bands.size >= 7, `only ${bands.size} of 10 deciles used: ${[...bands].sort().join(',')}`)
    for (const score of scores) assert.ok(Number.isInteger(score) && score >= 0 && score <= 100)
  })

  test('tiers rank in order: mean score rises from SIMPLE to REASONING', () => {
    const mean = (tier: string): number => {
      const own = results.filter((r) => r.tier === tier).map((r) => r.result.score)
      return own.reduce((a, b) => a + b, 0) / own.length
    }
    for (let i = 1; i < TIERS.length; i++) assert.ok(mean(TIERS[i]!) > mean(TIERS[i - 1]!) + 10, `${TIERS[i]} vs ${TIERS[i - 1]}`)
  })
})

describe('what the score looks at', () => {
  const base = routingSet.find((c) => c.name === 'token service refactor')!.request

  test('the constant parts (system prompt, tools, thinking, max_tokens) do not move it', () => {
    const stripped: ChatRequest = { ...base, system: undefined, tools: undefined, thinking: undefined, max_tokens: 1024 }
    assert.equal(scoreComplexity(stripped).score, scoreComplexity(base).score)
  })

  test('<system-reminder> blocks in user turns are ignored', () => {
    const hi = routingSet.find((c) => c.name === 'greeting')!.request
    const first = hi.messages[0]!
    assert.match(JSON.stringify(first.content), /system-reminder/)
    const bare: ChatRequest = { ...hi, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }
    assert.equal(scoreComplexity(hi).score, scoreComplexity(bare).score)
  })

  test('a tool-result turn keeps scoring the task stated before it, plus the work done since', () => {
    const question = { role: 'user' as const, content: [{ type: 'text' as const, text: 'Refactor the billing module to use the new Money type across all services' }] }
    const short = scoreComplexity({ messages: [question] })
    const loop = [question]
    for (let i = 0; i < 12; i++) {
      loop.push({ role: 'assistant', content: [{ type: 'tool_use', id: `t${i}`, name: 'Edit', input: { file_path: `/src/billing/f${i}.ts` } }] } as never)
      loop.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'ok' }] } as never)
    }
    const long = scoreComplexity({ messages: loop })
    assert.equal(short.tier, 'COMPLEX')
    assert.equal(long.tier, 'COMPLEX', 'work alone never turns a task into REASONING')
    assert.ok(long.score > short.score, 'the work done so far raises the score')
    assert.ok(long.factors.toolCalls! > 0 && long.factors.filesTouched! > 0)
  })

  test('only the latest task counts, not an earlier one in the same session', () => {
    const earlier = routingSet.find((c) => c.name === 'thanks')!
    assert.equal(scoreComplexity(earlier.request).tier, 'SIMPLE')
  })

  test('tier boundaries: 25 | 26, 50 | 51, 75 | 76', () => {
    assert.deepEqual([0, 25, 26, 50, 51, 75, 76, 100].map(tierForScore), ['SIMPLE', 'SIMPLE', 'MEDIUM', 'MEDIUM', 'COMPLEX', 'COMPLEX', 'REASONING', 'REASONING'])
  })
})
