import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ANTHROPIC_PRICING, AnthropicPromptCache, AutomaticPrefixCache, anthropicBlocks, chatBlocks, hitRatio, totals, type PromptBlock } from './bench/token-cost-model.ts'

/** 1 token per character keeps the arithmetic readable. */
const count = (text: string): number => text.length
const block = (key: string, tokens: number, breakpoint = false): PromptBlock => ({ key, tokens, breakpoint })

describe('Anthropic prompt cache model', () => {
  test('a breakpoint writes its prefix at 1.25x; the same prefix next time is read at 0.1x', () => {
    const cache = new AnthropicPromptCache()
    const first = cache.charge([block('system', 2000, true), block('user 1', 100)])
    assert.deepEqual([first.cacheRead, first.cacheWrite, first.uncached, first.cost], [0, 2000, 100, 2000 * 1.25 + 100])
    const second = cache.charge([block('system', 2000, true), block('user 1', 100), block('assistant', 50), block('user 2', 30, true)])
    assert.deepEqual([second.cacheRead, second.cacheWrite, second.uncached], [2000, 180, 0])
    assert.equal(second.cost, 2000 * 0.1 + 180 * 1.25)
    assert.equal(second.broke, false)
  })

  test('a moved breakpoint reads the earlier entry through the lookback and writes only the new part', () => {
    const cache = new AnthropicPromptCache()
    const history = Array.from({ length: 10 }, (_, i) => block(`m${i}`, 200))
    cache.charge([...history.slice(0, 9), { ...history[9]!, breakpoint: true }])
    const next = cache.charge([...history, block('m10', 200), block('m11', 200, true)])
    assert.deepEqual([next.cacheRead, next.cacheWrite, next.uncached], [2000, 400, 0])
  })

  test('one byte changed before the breakpoint is a miss, not a partial read', () => {
    const cache = new AnthropicPromptCache()
    cache.charge([block('tools', 1500), block('system', 1500, true), block('u1', 10, true)])
    const changed = cache.charge([block('tools', 1500), block('systeM', 1500, true), block('u1', 10, true)])
    assert.deepEqual([changed.cacheRead, changed.cacheWrite], [0, 3010])
    assert.equal(changed.broke, true)
    // Changing the last byte after the breakpoint only: the prefix up to the breakpoint is still read.
    const tail = cache.charge([block('tools', 1500), block('systeM', 1500, true), block('u2', 10, true)])
    assert.deepEqual([tail.cacheRead, tail.cacheWrite], [3000, 10])
  })

  test('a prefix that never ended at a breakpoint is not an entry: a changed system prompt costs the whole write again', () => {
    const cache = new AnthropicPromptCache()
    cache.charge([block('tools', 1500), block('system', 1500, true)])
    const changed = cache.charge([block('tools', 1500), block('system!', 1500, true)])
    assert.deepEqual([changed.cacheRead, changed.cacheWrite], [0, 3000])
    assert.equal(changed.broke, true)
  })

  test('an entry further back than the lookback is not found', () => {
    const cache = new AnthropicPromptCache()
    const history = Array.from({ length: 30 }, (_, i) => block(`m${i}`, 100))
    cache.charge([{ ...history[0]!, tokens: 1100, breakpoint: true }])
    const far = cache.charge([{ ...history[0]!, tokens: 1100 }, ...history.slice(1, 25), block('end', 10, true)])
    assert.equal(far.cacheRead, 0, `lookback ${ANTHROPIC_PRICING.lookback} blocks`)
  })

  test('below the minimum cacheable length nothing is written or read', () => {
    const cache = new AnthropicPromptCache()
    assert.equal(cache.charge([block('short', 500, true)]).cacheWrite, 0)
    assert.equal(cache.charge([block('short', 500, true)]).cacheRead, 0)
  })

  test('blocks: cache_control does not change a block\'s identity, content and role do', () => {
    const body = (marked: boolean, text = 'hi') => ({ tools: [{ name: 'Bash', input_schema: {} }], system: [{ type: 'text', text: 'sys', ...(marked ? { cache_control: { type: 'ephemeral' } } : {}) }], messages: [{ role: 'user', content: text }] })
    const a = anthropicBlocks(body(true), count)
    const b = anthropicBlocks(body(false), count)
    assert.deepEqual(a.map((x) => x.key), b.map((x) => x.key))
    assert.deepEqual(a.map((x) => x.breakpoint), [false, true, false])
    assert.notEqual(anthropicBlocks(body(false, 'hi!'), count).at(-1)!.key, b.at(-1)!.key)
  })
})

describe('automatic prefix cache model (OpenAI)', () => {
  test('the shared prefix is read at 0.5x, from 1024 tokens in steps of 128; no write surcharge', () => {
    const cache = new AutomaticPrefixCache()
    const first = cache.charge([block('tools', 1000), block('system', 300)])
    assert.deepEqual([first.cacheRead, first.cost], [0, 1300])
    const second = cache.charge([block('tools', 1000), block('system', 300), block('user', 40)])
    assert.equal(second.cacheRead, 1280, '1300 shared → 1024 + 2×128')
    assert.equal(second.cost, 1340 - 1280 + 1280 * 0.5)
    assert.equal(second.broke, false)
  })

  test('a change early in the prompt reads only up to it', () => {
    const cache = new AutomaticPrefixCache()
    cache.charge([block('tools', 1100), block('system', 2000), block('u', 10)])
    const next = cache.charge([block('tools', 1100), block('system (edited)', 2000), block('u', 10)])
    assert.equal(next.cacheRead, 1024)
    assert.equal(next.broke, true)
  })

  test('blocks: tools first, then each message', () => {
    const blocks = chatBlocks({ tools: [{ type: 'function', function: { name: 'Bash' } }], messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }] }, count)
    assert.equal(blocks.length, 3)
    assert.match(blocks[0]!.key, /^tool:/)
  })
})

test('totals and hit ratio', () => {
  const cache = new AnthropicPromptCache()
  const charges = [[block('s', 2000, true)], [block('s', 2000, true), block('u', 2000, true)], [block('x', 2000, true)]].map((blocks, seq) => ({ ...cache.charge(blocks), seq }))
  const run = totals(charges)
  assert.deepEqual(run.breaks, [2])
  assert.equal(hitRatio(run), 2000 / 8000)
  assert.equal(run.peak, 4000, 'the largest single prompt')
})
