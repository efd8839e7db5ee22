import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ToolResultBlock, ToolUseBlock } from '@lynkr/protocol'
import { HiddenHistory, restoreHiddenHistory } from './hidden-history.ts'

const gateway = (name: string): boolean => name === 'lookup'
const gatewayUse: ToolUseBlock = { type: 'tool_use', id: 'toolu_g', name: 'lookup', input: { q: 'x' } }
const gatewayResult: ToolResultBlock = { type: 'tool_result', tool_use_id: 'toolu_g', content: 'found x' }

describe('restoreHiddenHistory', () => {
  test('a mixed turn gets its gateway call back before the client call, and its result first in the next user turn', () => {
    const history = new HiddenHistory()
    history.remember('s1', ['toolu_c'], { uses: [gatewayUse], results: [gatewayResult] })
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_c', name: 'read_file', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_c', content: 'file' }] }
    ]
    const restored = restoreHiddenHistory(messages, (id) => history.find('s1', id), gateway)
    assert.deepEqual(restored?.[1]?.content.map((block) => block.type === 'tool_use' ? block.id : block.type), ['text', 'toolu_g', 'toolu_c'])
    assert.deepEqual(restored?.[2]?.content.map((block) => (block as ToolResultBlock).tool_use_id), ['toolu_g', 'toolu_c'])
    assert.equal(messages[1]!.content.length, 2, 'the client\'s request is not mutated')
    assert.equal(restoreHiddenHistory(messages, (id) => history.find('other-session', id), gateway), undefined, 'another session sees nothing')
  })

  test('nothing hidden: the same messages object is used', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]
    assert.equal(restoreHiddenHistory(messages, () => undefined, gateway), undefined)
  })

  test('server-style blocks the client echoes become a tool_use turn and a tool_result turn', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'server_tool_use', id: 'toolu_g', name: 'lookup', input: { q: 'x' } },
          { type: 'gateway_tool_result', tool_use_id: 'toolu_g', content: 'found x' },
          { type: 'text', text: 'It is x.' }
        ] as unknown as ChatMessage['content']
      },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] }
    ]
    const restored = restoreHiddenHistory(messages, () => undefined, gateway)!
    assert.deepEqual(restored.map((message) => [message.role, message.content.map((block) => block.type)]), [
      ['user', ['text']],
      ['assistant', ['text', 'tool_use']],
      ['user', ['tool_result']],
      ['assistant', ['text']],
      ['user', ['text']]
    ])
    assert.deepEqual(restored[1]!.content[1], gatewayUse)
    assert.deepEqual(restored[2]!.content[0], gatewayResult)
  })

  test('echoed blocks of a mixed turn: one turn with both calls again, the stored part is not added twice', () => {
    const history = new HiddenHistory()
    history.remember('s1', ['toolu_c'], { uses: [gatewayUse], results: [gatewayResult] })
    const messages: ChatMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'server_tool_use', id: 'toolu_g', name: 'lookup', input: { q: 'x' } },
          { type: 'gateway_tool_result', tool_use_id: 'toolu_g', content: 'found x' },
          { type: 'tool_use', id: 'toolu_c', name: 'read_file', input: {} }
        ] as unknown as ChatMessage['content']
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_c', content: 'file' }] }
    ]
    const restored = restoreHiddenHistory(messages, (id) => history.find('s1', id), gateway)!
    assert.deepEqual(restored.map((message) => [message.role, message.content.map((block) => block.type === 'tool_use' ? block.id : block.type === 'tool_result' ? `result:${block.tool_use_id}` : block.type)]), [
      ['user', ['text']],
      ['assistant', ['toolu_g', 'toolu_c']],
      ['user', ['result:toolu_g', 'result:toolu_c']]
    ])
  })
})

test('a gateway call echoed after the client\'s call: its result opens the client\'s result turn', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'go' }] },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_c', name: 'read_file', input: {} },
        { type: 'server_tool_use', id: 'toolu_g', name: 'lookup', input: { q: 'x' } },
        { type: 'gateway_tool_result', tool_use_id: 'toolu_g', content: 'found x' }
      ] as unknown as ChatMessage['content']
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_c', content: 'file' }] }
  ]
  const restored = restoreHiddenHistory(messages, () => undefined, gateway)!
  assert.equal(restored.length, 3)
  assert.deepEqual(restored[1]!.content.map((block) => (block as ToolUseBlock).id), ['toolu_c', 'toolu_g'])
  assert.deepEqual(restored[2]!.content.map((block) => (block as ToolResultBlock).tool_use_id), ['toolu_g', 'toolu_c'])
})

describe('HiddenHistory', () => {
  test('keeps the most recently used entries up to its capacity', () => {
    const history = new HiddenHistory({ capacity: 2 })
    const part = { uses: [gatewayUse], results: [gatewayResult] }
    history.remember('s', ['a'], part)
    history.remember('s', ['b'], part)
    assert.equal(history.find('s', 'a'), part, 'a is used, so b is now the oldest')
    history.remember('s', ['c'], part)
    assert.equal(history.find('s', 'b'), undefined)
    assert.equal(history.find('s', 'a'), part)
    assert.equal(history.size, 2)
  })

  test('entries not used within the TTL are gone', () => {
    const history = new HiddenHistory({ ttlMs: -1 })
    history.remember('s', ['a'], { uses: [gatewayUse], results: [gatewayResult] })
    assert.equal(history.find('s', 'a'), undefined)
  })
})

describe('HiddenHistory with a store', () => {
  test('an id the store does not hold is read from it once, and a part remembered later is found', () => {
    const rows = new Map<string, { part: { uses: ToolUseBlock[], results: ToolResultBlock[] }, expires: number }>()
    let loads = 0
    const history = new HiddenHistory({
      store: {
        save: (session, ids, part, expires) => { for (const id of ids) rows.set(`${session}/${id}`, { part, expires }) },
        load: (session, id) => { loads++; return rows.get(`${session}/${id}`) },
        extend: () => {}
      }
    })
    for (let request = 0; request < 3; request++) assert.equal(history.find('s', 'toolu_client'), undefined)
    assert.equal(loads, 1, 'the client\'s own call is looked up in the store once, not on every request')
    history.remember('s', ['toolu_client'], { uses: [gatewayUse], results: [gatewayResult] })
    assert.deepEqual(history.find('s', 'toolu_client')?.uses, [gatewayUse])
    // What another instance of the store holds (a restart) is still read back.
    const restarted = new HiddenHistory({ store: { save: () => {}, load: (session, id) => { loads++; return rows.get(`${session}/${id}`) }, extend: () => {} } })
    assert.deepEqual(restarted.find('s', 'toolu_client')?.results, [gatewayResult])
  })
})
