/**
 * End to end with a real OpenAI-style agent CLI: Qwen Code (pinned in test/package.json) pointed at lynkr's
 * /v1, lynkr pointed at a fake upstream. The scripted model asks for Qwen's read_file tool on a file in the
 * session's working directory, then answers with the content it got back in the tool result. Offline and
 * bounded: the fakes are local and the CLI runs under a hard timeout.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { isRecord, type FakeResponder, type FakeUpstream, type RecordedRequest } from './helpers/fake-script.ts'
import { ollamaEnv, openAIEnv, startGateway } from './helpers/gateway.ts'
import { runQwenCode } from './helpers/run-qwen-code.ts'

function toolNames (request: RecordedRequest): string[] {
  const tools = isRecord(request.body) && Array.isArray(request.body.tools) ? request.body.tools as unknown[] : []
  return tools.map((tool) => isRecord(tool) && isRecord(tool.function) ? String(tool.function.name) : '')
}

/** The tool output of the current turn: `tool` messages after the last assistant message. */
function latestToolResult (request: RecordedRequest): string | undefined {
  const messages = isRecord(request.body) && Array.isArray(request.body.messages) ? request.body.messages as unknown[] : []
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (!isRecord(message)) continue
    if (message.role === 'tool') return typeof message.content === 'string' ? message.content : JSON.stringify(message.content)
    if (message.role === 'assistant') return undefined
  }
  return undefined
}

/**
 * The main session (the request offering `todo_write`, which Qwen's background memory extractor lacks):
 * first read_file on `path`, then an answer quoting the tool result. Anything else gets a short reply.
 */
function readFileResponder (path: () => string): FakeResponder {
  return (request) => {
    if (!toolNames(request).includes('todo_write')) return { text: 'nothing to remember' }
    const result = latestToolResult(request)
    if (result !== undefined) return { text: `The file says: ${result.trim()}` }
    return { toolCalls: [{ name: 'read_file', arguments: { file_path: path() } }] }
  }
}

const families: Array<{ name: string, start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string> }> = [
  { name: 'openai', start: async () => await startFakeOpenAI({ apiKey: 'sk-test-key' }), env: openAIEnv },
  { name: 'ollama', start: async () => await startFakeOllama(), env: ollamaEnv }
]

describe('Qwen Code headless session through lynkr', () => {
  for (const family of families) {
    test(`reads a file with its tool and answers from it (${family.name} upstream)`, { timeout: 150_000 }, async (t) => {
      const marker = `lynkr-qwen-${randomBytes(6).toString('hex')}`
      let filePath = ''
      const fake = await family.start()
      t.after(async () => await fake.close())
      fake.respondWith(readFileResponder(() => filePath))
      const gateway = await startGateway(family.env(fake.url))
      t.after(async () => await gateway.close())

      const run = await runQwenCode({
        baseUrl: `${gateway.url}/v1`,
        prompt: 'Read notes.txt and tell me exactly what it says.',
        files: { 'notes.txt': `${marker}\n` },
        onCwd: (cwd) => { filePath = join(cwd, 'notes.txt') },
        timeoutMs: 120_000
      })
      const context = `exit ${run.exitCode}, stderr: ${run.stderr.slice(0, 2000)}, stdout: ${run.stdout.slice(0, 2000)}`
      assert.equal(run.timedOut, false, context)
      assert.equal(run.exitCode, 0, context)
      assert.ok(run.result?.includes(`The file says:`), context)
      assert.ok(run.result?.includes(marker), context)

      // The tool really ran: the upstream received the file's content in a tool result it had asked for.
      const main = fake.requests.filter((request) => request.method === 'POST' && toolNames(request).includes('todo_write'))
      assert.ok(main.length >= 2, `two main-session turns, got ${main.length}`)
      const second = main.find((request) => latestToolResult(request)?.includes(marker) === true)
      assert.ok(second !== undefined, 'a later request carried the read_file result')
      const messages = second.body.messages as Array<Record<string, any>>
      const assistant = messages.findLast((message) => message.role === 'assistant')!
      const call = assistant.tool_calls[0]
      assert.equal(call.function.name, 'read_file')
      if (family.name === 'openai') {
        assert.deepEqual(JSON.parse(call.function.arguments), { file_path: filePath })
        assert.equal(messages.findLast((message) => message.role === 'tool')?.tool_call_id, call.id)
      } else {
        assert.deepEqual(call.function.arguments, { file_path: filePath })
        for (const message of messages) assert.equal(typeof message.content, 'string') // Ollama's strict string content
      }
    })
  }
})
