import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { agentResponder } from './helpers/agent-responder.ts'
import { runClaudeCode } from './helpers/run-claude-code.ts'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'
import { ollamaPromptTokens } from './helpers/o200k.ts'

// Issue 14's local target: the real Claude Code CLI (2.1.332), through lynkr with smart tool selection and the
// dynamic system prompt on, completes a tool loop on an Ollama model with an 8K window. Without the phases its
// first request alone (~11.8K tokens) is refused as "prompt is too long".
test('Claude Code completes a Bash tool loop through lynkr on an 8K Ollama window; every request fits with its answer room', { timeout: 180_000 }, async (t) => {
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  const marker = `lynkr-e2e-8k-${Date.now()}`
  fake.respondWith(agentResponder(marker))
  const gateway = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '8192', SMART_TOOL_SELECTION_MODE: 'heuristic', SYSTEM_PROMPT_MODE: 'dynamic' }))
  t.after(() => gateway.close())

  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Run the marker command and tell me what it printed.' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  assert.match(String(run.json?.result), new RegExp(`Result: ${marker}`))

  const chats = fake.requests.filter((request) => request.method === 'POST' && request.path.includes('/api/chat')).map((request) => request.body)
  const loop = chats.filter((body) => (body.tools ?? []).some((tool: any) => tool.function?.name === 'Bash'))
  assert.ok(loop.length >= 2, 'the tool call turn and the answer turn')
  for (const body of chats) {
    const prompt = ollamaPromptTokens(body)
    assert.equal(body.options.num_ctx, 8192)
    if (body.options.num_predict !== undefined) assert.ok(prompt + body.options.num_predict <= 8192, `${prompt} prompt tokens (o200k) + num_predict ${body.options.num_predict} > 8192`)
  }
  for (const body of loop.slice(1)) assert.equal(JSON.stringify(body.tools), JSON.stringify(loop[0].tools), 'the same tool list on every request of the session')
  const toolMessage = loop.at(-1)!.messages.find((message: any) => message.role === 'tool')
  assert.match(String(toolMessage?.content), new RegExp(marker), 'Bash ran and its output reached the model')
})
