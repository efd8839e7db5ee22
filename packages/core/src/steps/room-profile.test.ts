import { test } from 'node:test'
import assert from 'node:assert/strict'
import { needsRoom, ROOM_WINDOWS } from './room-profile.ts'

test('needsRoom: never on a cloud provider with a prompt cache; elsewhere up to the mode\'s window', () => {
  const anthropic = { promptCache: 'anthropic-breakpoints' as const, local: false, contextWindow: 8192 }
  const ollama = { promptCache: 'automatic-prefix' as const, local: true, contextWindow: 8192 }
  const uncached = { promptCache: 'none' as const, local: false, contextWindow: 32_768 }
  assert.equal(needsRoom(anthropic, ROOM_WINDOWS.aggressive!), false)
  assert.equal(needsRoom(ollama, ROOM_WINDOWS.conservative!), true)
  assert.equal(needsRoom({ ...ollama, contextWindow: 65_536 }, ROOM_WINDOWS.heuristic!), false)
  assert.equal(needsRoom({ ...ollama, contextWindow: 65_536 }, ROOM_WINDOWS.aggressive!), true)
  assert.equal(needsRoom(uncached, ROOM_WINDOWS.dynamic!), true)
  assert.equal(needsRoom({ promptCache: 'none', local: true }, ROOM_WINDOWS.heuristic!), false, 'an unknown window counts as large')
})
