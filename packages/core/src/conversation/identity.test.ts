import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { Sessions, workspaceOf } from './identity.ts'

const base = (messages: ChatRequest['messages'], system?: string): ChatRequest => ({
  model: 'm', clientModel: 'm', max_tokens: 1, stream: false, messages, ...(system === undefined ? {} : { system: [{ type: 'text', text: system }] })
})
const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] })

test('a session: the client\'s header first, then a Responses chain, else a hash of the conversation\'s start', () => {
  const sessions = new Sessions()
  const first = base([user('fix the bug')], 'Be brief.')
  assert.deepEqual(sessions.of(first, { 'x-claude-code-session-id': 'cc-1', 'x-session-id': 'other' }), { id: 'cc-1', source: 'header' })
  assert.deepEqual(sessions.of(first, { 'x-session-id': 'generic' }), { id: 'generic', source: 'header' })
  const hashed = sessions.of(first, {})
  assert.equal(hashed.source, 'hash')
  const later = base([user('fix the bug'), { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] }, user('thanks')], 'Be brief.')
  assert.equal(sessions.of(later, {}).id, hashed.id, 'later turns of the same conversation')
  assert.notEqual(sessions.of(base([user('fix the bug')], 'Be verbose.'), {}).id, hashed.id, 'another system prompt is another conversation')
  sessions.answer('msg_1', { id: 'cc-1', source: 'header' })
  assert.deepEqual(sessions.of(base([user('and then?')]), {}, 'msg_1'), { id: 'cc-1', source: 'response-chain' })
  assert.equal(sessions.of(base([user('and then?')]), {}, 'msg_unknown').source, 'hash', 'an unknown answer id chains to nothing')
})

test('a workspace: the x-lynkr-workspace header, else the working directory stated in the system prompt or a system message', () => {
  const claudeCode = base([{ role: 'system', content: [{ type: 'text', text: '<env>\nWorking directory: /home/dev/project\nIs directory a git repo: Yes\n</env>' }] }, user('hi')])
  assert.deepEqual(workspaceOf(claudeCode, {}), { id: '/home/dev/project', source: 'system-prompt' })
  assert.deepEqual(workspaceOf(claudeCode, { 'x-lynkr-workspace': 'acme/api' }), { id: 'acme/api', source: 'header' })
  assert.deepEqual(workspaceOf(base([user('hi')], 'Primary working directory: /srv/app'), {}), { id: '/srv/app', source: 'system-prompt' })
  assert.equal(workspaceOf(base([user('hi')], 'You are helpful.'), {}), undefined)
  // Stated in prose or quoted: the path alone, spaces kept, closing punctuation and backticks left out.
  assert.deepEqual(workspaceOf(base([user('hi')], 'Working directory: `/home/dev/my app`.'), {}), { id: '/home/dev/my app', source: 'system-prompt' })
  assert.deepEqual(workspaceOf(base([user('hi')], '<env>\nWorking directory: /srv/shop\n</env>'), {}), { id: '/srv/shop', source: 'system-prompt' })
  // Claude Code 2.1.332: a list item in a system message after the user's turn.
  const environment = { role: 'system' as const, content: [{ type: 'text' as const, text: '# Environment\nYou have been invoked in the following environment: \n - Primary working directory: /tmp/project-a\n - Is a git repository: false' }] }
  assert.deepEqual(workspaceOf(base([user('hi'), environment]), {}), { id: '/tmp/project-a', source: 'system-prompt' })
})
