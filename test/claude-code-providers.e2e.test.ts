import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runClaudeCode } from './helpers/run-claude-code.ts'
import { startGateway } from './helpers/gateway.ts'
import type { FakeResponder, FakeUpstream } from './helpers/fake-script.ts'
import { anthropicAgentResponder, converseAgentResponder, geminiAgentResponder } from './helpers/wire-agent-responder.ts'
import { bedrockConverseCase, bedrockInvokeCase, azureAnthropicCase, vertexCase } from './helpers/provider-cases.ts'
import type { ProviderCase } from './helpers/provider-cases.ts'
import { agentResponder } from './helpers/agent-responder.ts'
import { moonshotCase, openRouterCase } from './helpers/openai-provider-cases.ts'

// The real Claude Code CLI (2.1.332) drives a Bash tool loop through lynkr to the Bedrock fake (SigV4 +
// Converse event streams, and API key + InvokeModel), the Azure Anthropic fake and the Gemini fake. Each fake validates
// what it receives the way the real service does, so the loop only completes if every turn is accepted.
const runs: Array<{ provider: ProviderCase, responder: (marker: string) => FakeResponder }> = [
  { provider: bedrockConverseCase, responder: converseAgentResponder },
  { provider: bedrockInvokeCase, responder: converseAgentResponder },
  { provider: azureAnthropicCase, responder: anthropicAgentResponder },
  // Claude Code's real tool schemas must pass Gemini's schema parser (the fake refuses what Google refuses).
  { provider: vertexCase, responder: geminiAgentResponder },
  // Kimi ids (functions.Bash:0) must survive the round trip through Claude Code's id check, and the
  // tool-call turn must come back with reasoning_content, or the Moonshot fake refuses it.
  { provider: moonshotCase, responder: agentResponder },
  // anthropic/* through OpenRouter: Claude Code's cache breakpoints must arrive, or every turn pays the whole prompt.
  { provider: openRouterCase, responder: agentResponder }
]

for (const { provider, responder } of runs) {
  test(`Claude Code completes a Bash tool loop through lynkr to ${provider.name}`, { timeout: 180_000 }, async (t) => {
    const fake: FakeUpstream = await provider.start()
    t.after(() => fake.close())
    const marker = `lynkr-e2e-${provider.name.replace(/[^a-z]+/g, '-')}-${Date.now()}`
    fake.respondWith(responder(marker))
    const gateway = await startGateway(provider.env(fake.url))
    t.after(() => gateway.close())

    const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Run the marker command and tell me what it printed.' })
    assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}\n${run.stdout.slice(-2000)}`)
    assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
    assert.match(String(run.json?.result), new RegExp(`Result: ${marker}`))

    const chats = fake.requests.filter((request) => request.method === 'POST')
    assert.ok(chats.length >= 2, 'at least the tool call turn and the answer turn')
    for (const request of chats) assert.equal(provider.upstreamModel(request), provider.expectedModel, 'the configured model, not the Claude name')
    // Every upstream format carries the conversation in `messages`, except Gemini's `contents`.
    const last = chats.at(-1)!.body
    assert.match(JSON.stringify(last.messages ?? last.contents), new RegExp(marker), 'the tool output reached the upstream')
    if (provider === openRouterCase) {
      const breakpoints = (body: any): number => (body.messages as any[]).flatMap((message) => Array.isArray(message.content) ? message.content : []).filter((part) => part.cache_control !== undefined).length
      assert.ok(chats.every((request) => breakpoints(request.body) >= 1 && breakpoints(request.body) <= 4), `cache breakpoints per request: ${chats.map((request) => breakpoints(request.body)).join(',')}`)
      assert.ok(Number(run.json?.usage?.cache_read_input_tokens) > 0, `Claude Code saw cache reads: ${JSON.stringify(run.json?.usage)}`)
    }
  })
}
