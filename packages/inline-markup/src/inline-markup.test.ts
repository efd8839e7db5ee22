import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ToolDefinition, UpstreamPart } from '@lynkr/protocol'
import { InlineMarkupRecovery, partialTagLength } from './inline-markup.ts'
import { LeadingThinkTags } from './leading-think.ts'
import type { InlineMarkupOptions } from './inline-markup.ts'
import { transformPartList } from '@lynkr/core'

const tools: ToolDefinition[] = [
  { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' }, timeout: { type: 'number' } }, required: ['command'] } },
  { name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' }, limit: { type: 'integer' } } } }
]

/** Runs text pieces through one recovery and merges adjacent deltas of the same kind, so results compare by meaning. */
function run (pieces: string[], options: InlineMarkupOptions = { tools }, tail: UpstreamPart[] = [{ type: 'finish', reason: 'end_turn' }]): UpstreamPart[] {
  const parts = transformPartList([...pieces.map((text): UpstreamPart => ({ type: 'text-delta', text })), ...tail], [new InlineMarkupRecovery(options)])
  const merged: UpstreamPart[] = []
  for (const part of parts) {
    const last = merged.at(-1)
    if (last?.type === 'text-delta' && part.type === 'text-delta') last.text += part.text
    else if (last?.type === 'reasoning-delta' && part.type === 'reasoning-delta') last.text += part.text
    else merged.push({ ...part })
  }
  return merged
}

/** Every way of cutting the text in two and three pieces must give the same parts as the whole text. */
function assertSplitInvariant (text: string, expected: UpstreamPart[], options: InlineMarkupOptions = { tools }): void {
  assert.deepEqual(run([text], options), expected, 'whole')
  const step = Math.max(1, Math.floor(text.length / 60))
  for (let i = 1; i < text.length; i += 1) {
    assert.deepEqual(run([text.slice(0, i), text.slice(i)], options), expected, `split at ${i}: ${JSON.stringify(text.slice(0, i))}`)
    for (let j = i + 1; j < text.length; j += step) {
      assert.deepEqual(run([text.slice(0, i), text.slice(i, j), text.slice(j)], options), expected, `split at ${i},${j}`)
    }
  }
}

const END: UpstreamPart = { type: 'finish', reason: 'end_turn' }

describe('InlineMarkupRecovery: <think>', () => {
  test('at the very start, split anywhere: reasoning then text, without the whitespace around the tags', () => {
    assertSplitInvariant('<think>\nThe user wants a greeting.\n</think>\n\nHello!', [
      { type: 'reasoning-delta', text: 'The user wants a greeting.' },
      { type: 'text-delta', text: 'Hello!' },
      END
    ])
  })

  test('after leading whitespace and in the middle of the answer', () => {
    assert.deepEqual(run(['\n\n<think>a</think>b']), [{ type: 'reasoning-delta', text: 'a' }, { type: 'text-delta', text: 'b' }, END])
    assertSplitInvariant('Plan: <think>check x < y</think> done', [
      { type: 'text-delta', text: 'Plan:' },
      { type: 'reasoning-delta', text: 'check x < y' },
      { type: 'text-delta', text: 'done' },
      END
    ])
  })

  test('an empty think block (Qwen3 /no_think) leaves nothing behind', () => {
    assertSplitInvariant('<think>\n\n</think>\n\nShort answer.', [{ type: 'text-delta', text: 'Short answer.' }, END])
  })

  test('an unterminated think block is reasoning to the end', () => {
    assert.deepEqual(run(['<think>still thinking', ' about it']), [{ type: 'reasoning-delta', text: 'still thinking about it' }, END])
  })

  test('only the ambiguous tail is held back while streaming', () => {
    const recovery = new InlineMarkupRecovery({ tools })
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'Hello <thi' }), [{ type: 'text-delta', text: 'Hello' }])
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'nk>hm' }), [{ type: 'reasoning-delta', text: 'hm' }])
    assert.deepEqual(recovery.push({ type: 'text-delta', text: '</th' }), [])
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'ink> and <b>bold</b>' }), [{ type: 'text-delta', text: 'and <b>bold</b>' }])
    assert.deepEqual(recovery.end(), [])
  })

  test('text that merely looks like a tag prefix is released once it diverges', () => {
    const recovery = new InlineMarkupRecovery({ tools })
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'a <t' }), [{ type: 'text-delta', text: 'a' }])
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'able>' }), [{ type: 'text-delta', text: ' <table>' }])
  })

  test("thinkTags 'leading': only a think block the answer opens with is reasoning", () => {
    const leading: InlineMarkupOptions = { thinkTags: 'leading' }
    assertSplitInvariant('\n<think>\nThe user wants a greeting.\n</think>\n\nHello <think>x</think>!', [
      { type: 'reasoning-delta', text: 'The user wants a greeting.' },
      { type: 'text-delta', text: 'Hello <think>x</think>!' },
      END
    ], leading)
    assertSplitInvariant('Use <think> tags like <think>this</think>.', [{ type: 'text-delta', text: 'Use <think> tags like <think>this</think>.' }, END], leading)
    assertSplitInvariant('<thinking> is a word', [{ type: 'text-delta', text: '<thinking> is a word' }, END], leading)
  })

  test('with thinkTags off the tags stay text', () => {
    assert.deepEqual(run(['<think>x</think>y'], { tools, thinkTags: false }), [{ type: 'text-delta', text: '<think>x</think>y' }, END])
  })
})

describe('InlineMarkupRecovery: printed tool calls', () => {
  test('Hermes/Qwen <tool_call> JSON, split anywhere, after some text', () => {
    assertSplitInvariant('Let me look.\n<tool_call>\n{"name": "Bash", "arguments": {"command": "grep -n \\"a}b\\" x.ts"}}\n</tool_call>', [
      { type: 'text-delta', text: 'Let me look.' },
      { type: 'tool-call', name: 'Bash', input: { command: 'grep -n "a}b" x.ts' } },
      END
    ])
  })

  test('parallel calls, string arguments, a missing closing tag at the end', () => {
    assert.deepEqual(run([
      '<tool_call>{"name":"Read","arguments":{"file_path":"a.ts"}}</tool_call>\n<tool_call>{"name":"Read","arguments":"{\\"file_path\\":\\"b.ts\\"}"}</tool_call>\n<tool_call>{"name":"Bash","arguments":{"command":"ls"}}'
    ]), [
      { type: 'tool-call', name: 'Read', input: { file_path: 'a.ts' } },
      { type: 'tool-call', name: 'Read', input: { file_path: 'b.ts' } },
      { type: 'tool-call', name: 'Bash', input: { command: 'ls' } },
      END
    ])
  })

  test('Qwen3-Coder XML calls: parameters typed by the tool schema', () => {
    assertSplitInvariant('<tool_call>\n<function=Read>\n<parameter=file_path>\nsrc/a.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>', [
      { type: 'tool-call', name: 'Read', input: { file_path: 'src/a.ts', limit: 20 } },
      END
    ])
    assert.deepEqual(run(['<tool_call><function=Bash><parameter=command>true</parameter></function></tool_call>']), [
      { type: 'tool-call', name: 'Bash', input: { command: 'true' } },
      END
    ], 'a string parameter stays a string even when it looks like JSON')
  })

  test('think, then a tool call', () => {
    assertSplitInvariant('<think>I should list files.</think>\n<tool_call>{"name":"Bash","arguments":{"command":"ls"}}</tool_call>', [
      { type: 'reasoning-delta', text: 'I should list files.' },
      { type: 'tool-call', name: 'Bash', input: { command: 'ls' } },
      END
    ])
  })

  test('an unparseable <tool_call> stays text; without tools offered, markup stays text', () => {
    assert.deepEqual(run(['<tool_call>not json</tool_call> ok']), [{ type: 'text-delta', text: '<tool_call>not json</tool_call>ok' }, END])
    assert.deepEqual(run(['<tool_call>{"name":"Bash","arguments":{}}</tool_call>'], {}), [{ type: 'text-delta', text: '<tool_call>{"name":"Bash","arguments":{}}</tool_call>' }, END])
  })

  test('a bare JSON call as the whole answer (Llama/Mistral style), split anywhere', () => {
    assertSplitInvariant('  {"name": "Bash", "parameters": {"command": "echo {}"}}\n', [
      { type: 'tool-call', name: 'Bash', input: { command: 'echo {}' } },
      END
    ])
    assert.deepEqual(run(['{"type":"function","function":{"name":"Read","arguments":"{\\"file_path\\":\\"a\\"}"}}']), [
      { type: 'tool-call', name: 'Read', input: { file_path: 'a' } },
      END
    ])
    assert.deepEqual(run(['{"name":"Read","arguments":{"file_path":"a"}}\n{"name":"Read","arguments":{"file_path":"b"}}']), [
      { type: 'tool-call', name: 'Read', input: { file_path: 'a' } },
      { type: 'tool-call', name: 'Read', input: { file_path: 'b' } },
      END
    ])
  })

  test('bare JSON that is not a call to an offered tool stays text, and is released as soon as that is clear', () => {
    assertSplitInvariant('{"name": "John", "age": 30}', [{ type: 'text-delta', text: '{"name": "John", "age": 30}' }, END])
    assert.deepEqual(run(['{"name":"Bash","arguments":{"command":"ls"}} is what I would run']), [
      { type: 'text-delta', text: '{"name":"Bash","arguments":{"command":"ls"}} is what I would run' }, END
    ])
    const recovery = new InlineMarkupRecovery({ tools })
    assert.deepEqual(recovery.push({ type: 'text-delta', text: '{"na' }), [], 'could still be a call')
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'tional": 1, ' }), [{ type: 'text-delta', text: '{"national": 1,' }], 'released once the key rules it out')
    assert.deepEqual(run(['{"name":"Bash","arguments":{}}'], { tools, bareJson: false }), [{ type: 'text-delta', text: '{"name":"Bash","arguments":{}}' }, END])
    assert.deepEqual(run(['Here: {"name":"Bash","arguments":{}}']), [{ type: 'text-delta', text: 'Here: {"name":"Bash","arguments":{}}' }, END], 'only a whole answer counts')
  })

  test('native parts pass through in order; held text is released before them', () => {
    const parts = transformPartList([
      { type: 'response-start' },
      { type: 'reasoning-delta', text: 'native' },
      { type: 'text-delta', text: 'x <thi' },
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'Bash', argumentsDelta: '{}' },
      { type: 'usage', usage: { output_tokens: 3 } },
      { type: 'finish', reason: 'tool_use' }
    ], [new InlineMarkupRecovery({ tools })])
    assert.deepEqual(parts, [
      { type: 'response-start' },
      { type: 'reasoning-delta', text: 'native' },
      { type: 'text-delta', text: 'x' },
      { type: 'text-delta', text: ' <thi' },
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'Bash', argumentsDelta: '{}' },
      { type: 'usage', usage: { output_tokens: 3 } },
      { type: 'finish', reason: 'tool_use' }
    ])
  })

  test('trailing whitespace of a text answer is kept; plain text streams through untouched', () => {
    assert.deepEqual(run(['Hello', ' world', '!\n']), [{ type: 'text-delta', text: 'Hello world!\n' }, END])
    const recovery = new InlineMarkupRecovery({ tools })
    assert.deepEqual(recovery.push({ type: 'text-delta', text: 'Streaming' }), [{ type: 'text-delta', text: 'Streaming' }])
    assert.deepEqual(recovery.push({ type: 'text-delta', text: ' works' }), [{ type: 'text-delta', text: ' works' }])
  })
})

test('partialTagLength', () => {
  assert.equal(partialTagLength('abc <thi', ['<think>', '<tool_call>']), 4)
  assert.equal(partialTagLength('abc <', ['<think>', '<tool_call>']), 1)
  assert.equal(partialTagLength('abc <to', ['<think>', '<tool_call>']), 3)
  assert.equal(partialTagLength('abc <think', ['<think>']), 6)
  assert.equal(partialTagLength('abc', ['<think>']), 0)
})

test('large printed calls in tiny pieces stay linear (no rescanning of what is held)', () => {
  const content = 'x'.repeat(400_000)
  const writeTool: ToolDefinition[] = [{ name: 'Write', input_schema: { type: 'object', properties: { content: { type: 'string' } } } }]
  for (const text of [`<tool_call>{"name":"Write","arguments":{"content":"${content}"}}</tool_call>`, `{"name":"Write","arguments":{"content":"${content}"}}`]) {
    const started = performance.now()
    const recovery = new InlineMarkupRecovery({ tools: writeTool })
    const out: UpstreamPart[] = []
    for (let at = 0; at < text.length; at += 8) out.push(...recovery.push({ type: 'text-delta', text: text.slice(at, at + 8) }))
    out.push(...recovery.end())
    assert.equal(out.length, 1)
    assert.deepEqual(out[0], { type: 'tool-call', name: 'Write', input: { content } })
    assert.ok(performance.now() - started < 3000, `took ${Math.round(performance.now() - started)} ms`)
  }
})

describe('LeadingThinkTags (cloud upstreams)', () => {
  const through = (pieces: string[]): UpstreamPart[] =>
    transformPartList([...pieces.map((text): UpstreamPart => ({ type: 'text-delta', text })), END], [new LeadingThinkTags()])
  const joined = (parts: UpstreamPart[]): string => parts.map((part) => part.type === 'text-delta' ? part.text : '').join('')

  test('an answer that does not open with <think> passes byte for byte, split anywhere', () => {
    const text = '\n  Use <think> tags.\n\n'
    for (let cut = 0; cut <= text.length; cut++) {
      const parts = through([text.slice(0, cut), text.slice(cut)].filter((piece) => piece !== ''))
      assert.equal(joined(parts), text)
      assert.ok(parts.every((part) => part.type === 'text-delta' || part === END))
    }
    assert.equal(joined(through(['<thi', 'nking> is a word'])), '<thinking> is a word')
  })

  test('an answer that opens with <think> gets that block as reasoning, split anywhere', () => {
    const text = ' <think>why</think>\n\nanswer <think>x</think>'
    // Consecutive deltas of one kind joined: how finely the stream is cut is not the point here.
    const merged = (parts: UpstreamPart[]): UpstreamPart[] => parts.reduce<UpstreamPart[]>((out, part) => {
      const last = out.at(-1)
      if (last !== undefined && last.type === part.type && (part.type === 'text-delta' || part.type === 'reasoning-delta')) (last as { text: string }).text += part.text
      else out.push({ ...part })
      return out
    }, [])
    for (let cut = 0; cut <= text.length; cut++) {
      assert.deepEqual(merged(through([text.slice(0, cut), text.slice(cut)].filter((piece) => piece !== ''))), [
        { type: 'reasoning-delta', text: 'why' },
        { type: 'text-delta', text: 'answer <think>x</think>' },
        END
      ])
    }
  })
})
