import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupAnthropicGateway } from './helpers/anthropic-gateway.ts'
import type { FakeReply, FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// The workspace tools through the real gateway: the fake upstream (Anthropic's wire format, which refuses a
// tool_use left unanswered) asks for escapes and forbidden commands; each refusal reaches the model as an
// error tool result naming its policy, and the client's request still succeeds with the model's answer.

type Json = Record<string, any>

const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined)
/** The tool results of the newest user turn, by the name of the call they answer. */
function resultsOf (request: RecordedRequest): Map<string, { text: string, isError: boolean }> {
  const messages = request.body.messages as Json[]
  const names = new Map<string, string>()
  for (const message of messages) for (const block of Array.isArray(message.content) ? message.content : []) if (block.type === 'tool_use') names.set(block.id, block.input.label ?? block.name)
  const results = new Map<string, { text: string, isError: boolean }>()
  const last = messages.at(-1)!
  for (const block of Array.isArray(last.content) ? last.content : []) {
    if (block.type !== 'tool_result') continue
    const text = typeof block.content === 'string' ? block.content : (block.content as Json[]).map((part) => part.text ?? '').join('')
    results.set(names.get(block.tool_use_id) ?? '?', { text, isError: block.is_error === true })
  }
  return results
}

test('the model\'s escape attempts through the workspace tools are refused tool results; the request succeeds', async (t) => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-ws-e2e-')))
  const root = join(base, 'project')
  mkdirSync(join(root, 'src'), { recursive: true })
  writeFileSync(join(root, 'src', 'app.ts'), 'export const answer = 42\n')
  writeFileSync(join(base, 'canary.txt'), 'CANARY-beside-the-workspace')
  symlinkSync(join(base, 'canary.txt'), join(root, 'src', 'notes.txt'))
  symlinkSync('/etc', join(root, 'etc'))
  const internal = createServer((request, response) => { response.end('INTERNAL-SERVICE') })
  await new Promise<void>((resolve) => { internal.listen(0, '127.0.0.1', resolve) })
  const internalPort = (internal.address() as AddressInfo).port
  t.after(async () => {
    await new Promise((resolve) => internal.close(resolve))
    rmSync(base, { recursive: true, force: true })
  })

  const { fake, anthropic, openai } = await setupAnthropicGateway(t, {
    WORKSPACE_TOOLS_ENABLED: 'true',
    WORKSPACE_ROOT: root,
    POLICY_TEST_COMMANDS: 'node --test *'
  })
  // label is the fake model's own note, so the test can tell the calls apart in the results.
  const attempts: Array<{ name: string, input: Json }> = [
    { name: 'workspace_read', input: { label: 'passwd', path: '../../etc/passwd' } },
    { name: 'workspace_read', input: { label: 'symlink', path: 'src/notes.txt' } },
    { name: 'workspace_read', input: { label: 'etc-link', path: 'etc/passwd' } },
    { name: 'workspace_read', input: { label: 'inside', path: 'src/app.ts' } },
    { name: 'workspace_run_tests', input: { label: 'tests', command: 'sh -c "cat /etc/shadow"' } },
    { name: 'workspace_web_fetch', input: { label: 'metadata', url: 'http://169.254.169.254/latest/meta-data/iam/' } },
    { name: 'workspace_web_fetch', input: { label: 'loopback', url: `http://localhost:${internalPort}/` } },
    { name: 'workspace_git', input: { label: 'push', command: 'push origin main' } }
  ]
  const respond = (request: RecordedRequest): FakeReply => {
    const results = resultsOf(request)
    if (results.size === 0) return { text: 'Let me look.', toolCalls: attempts.map((attempt) => ({ name: attempt.name, arguments: attempt.input })) }
    return { text: `Done: ${[...results.entries()].map(([label, result]) => `${label}=${result.isError ? 'refused' : 'ok'}`).join(' ')}` }
  }
  fake.respondWith(respond)

  const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, messages: [{ role: 'user', content: 'Read everything you can.' }] })
  assert.equal(message.stop_reason, 'end_turn')
  const text = message.content.map((block) => block.type === 'text' ? block.text : '').join('')
  assert.match(text, /Done: passwd=refused symlink=refused etc-link=refused inside=ok tests=refused metadata=refused loopback=refused push=refused/)
  assert.doesNotMatch(JSON.stringify(message), /root:x|CANARY|INTERNAL-SERVICE/)

  const results = resultsOf(chats(fake).at(-1)!)
  const expect: Record<string, RegExp> = {
    passwd: /^Refused by WORKSPACE_ROOT: \.\.\/\.\.\/etc\/passwd is outside the workspace/,
    symlink: /^Refused by WORKSPACE_ROOT: src\/notes\.txt leads outside the workspace/,
    'etc-link': /^Refused by WORKSPACE_ROOT: etc\/passwd leads outside the workspace/,
    inside: /^1\texport const answer = 42/,
    tests: /^Refused by POLICY_TEST_COMMANDS: "sh -c "cat \/etc\/shadow"" is not an allowed test command/,
    metadata: /^Refused by the SSRF guard: 169\.254\.169\.254 resolves to 169\.254\.169\.254, a link-local \(cloud metadata\) address/,
    loopback: /^Refused by the SSRF guard: localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
    push: /^Refused by POLICY_GIT_ALLOW_PUSH: git push is not allowed/
  }
  for (const [label, pattern] of Object.entries(expect)) {
    const result = results.get(label)
    assert.ok(result !== undefined, `no result for ${label}`)
    assert.match(result.text, pattern, label)
    assert.equal(result.isError, label !== 'inside', label)
  }
  for (const result of results.values()) assert.doesNotMatch(result.text, /root:x|CANARY|INTERNAL-SERVICE/, 'nothing from outside reached the model')

  // The same through the OpenAI door, streamed: one answer, no gateway call shown.
  const stream = await openai.chat.completions.create({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'Read everything you can.' }] })
  let streamed = ''
  let toolDeltas = 0
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta.content ?? ''
    toolDeltas += chunk.choices[0]?.delta.tool_calls?.length ?? 0
  }
  assert.equal(toolDeltas, 0, 'the client never sees the gateway\'s calls')
  assert.match(streamed, /^Let me look\.\n\nDone: passwd=refused .* push=refused$/, 'the two turns\' texts set apart by a blank line')
})

test('the workspace tools need WORKSPACE_ROOT: a clear boot error', async () => {
  const { buildServer } = await import('lynkr')
  await assert.rejects(buildServer({ env: { LYNKR_DATA_DIR: ':memory:', MODEL_PROVIDER: 'ollama', WORKSPACE_TOOLS_ENABLED: 'true' }, logger: false }), /WORKSPACE_ROOT is required/)
})
