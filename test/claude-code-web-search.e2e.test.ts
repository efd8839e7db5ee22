import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startGateway } from './helpers/gateway.ts'
import { fakeGroundingRedirect } from './helpers/fake-gemini.ts'
import { vertexCase } from './helpers/provider-cases.ts'
import { claudeBin } from './helpers/run-claude-code.ts'
import { runIsolatedCli } from './helpers/run-cli.ts'
import type { RecordedRequest } from './helpers/fake-script.ts'
import { geminiWebSearchResponder, webSearchHit, WEB_SEARCH_QUERY } from './helpers/web-search-responder.ts'

// The real Claude Code CLI (2.1.332) uses its WebSearch tool through lynkr to the Gemini fake: the main agent calls
// WebSearch, Claude Code sends the search as a sub-request with only Anthropic's web_search server tool, lynkr makes
// it Google Search grounding and turns the grounding metadata into the search blocks Claude Code reads, and the agent
// answers from the results it got back.

/** Print mode asks before WebSearch runs (the tool result is "Claude requested permissions to use WebSearch…"). */
async function runWebSearch (baseUrl: string, env: Record<string, string>) {
  return await runIsolatedCli({
    bin: claudeBin,
    args: ['-p', 'Search the web for the lynkr code word and tell me what it is.', '--output-format', 'json', '--allowedTools', 'WebSearch'],
    tempPrefix: 'lynkr-cc-ws',
    env: {
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_API_KEY: 'dummy',
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      ...env
    },
    timeoutMs: 120_000
  })
}

const isSearch = (request: RecordedRequest): boolean => (request.body?.tools ?? []).some((tool: Record<string, unknown>) => tool.googleSearch !== undefined)

async function webSearchRoundTrip (t: { after: (fn: () => Promise<void>) => void }, env: Record<string, string>): Promise<void> {
  const fake = await vertexCase.start()
  t.after(async () => { await fake.close() })
  const marker = `lynkr-ws-${randomBytes(6).toString('hex')}`
  fake.respondWith(geminiWebSearchResponder(marker))
  const gateway = await startGateway(vertexCase.env(fake.url))
  t.after(async () => { await gateway.close() })

  const run = await runWebSearch(gateway.url, env)
  // Model calls only (count_tokens probes go to :countTokens).
  const chats = fake.requests.filter((request) => /:(stream)?[gG]enerateContent/.test(request.path))
  const counts = fake.requests.filter((request) => request.path.includes(':countTokens')).length
  const trace = chats.map((request) => JSON.stringify(request.body?.tools?.map((tool: Record<string, any>) => tool.googleSearch !== undefined ? 'googleSearch' : tool.functionDeclarations?.map((fn: Record<string, unknown>) => fn.name)))).join('\n') + `\n(+ ${counts} countTokens)`
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}\n${run.stdout.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  const link = fakeGroundingRedirect(webSearchHit(marker).url)
  assert.equal(run.json?.result, `The code word is ${marker}.\n\nSources:\n- [lynkr code word](${link})`, `what reached the fake (tools per request):\n${trace}`)

  for (const request of chats) assert.equal(vertexCase.upstreamModel(request), vertexCase.expectedModel)
  // The search sub-request: grounding alone (Gemini refuses it next to functions), the query the agent chose.
  const searches = chats.filter(isSearch)
  assert.equal(searches.length, 1, trace)
  const search = searches[0]!.body
  assert.deepEqual(search.tools, [{ googleSearch: {} }])
  assert.equal(search.contents.length, 1)
  assert.equal(search.contents[0].parts.map((part: { text?: string }) => part.text ?? '').join(''), `Perform a web search for the query: ${WEB_SEARCH_QUERY}`)
  // The main agent never searched itself, and the marker reached it only in the WebSearch result.
  const main = chats.filter((request) => !isSearch(request))
  assert.ok(main.every((request) => request.body.tools.every((tool: Record<string, unknown>) => Array.isArray(tool.functionDeclarations))))
  assert.ok(chats.indexOf(searches[0]!) < chats.indexOf(main.at(-1)!), 'the search ran before the final turn')
  const before = main.filter((request) => chats.indexOf(request) < chats.indexOf(searches[0]!))
  assert.ok(before.length > 0 && before.every((request) => !JSON.stringify(request.body).includes(marker)), 'the marker was not known before the search')
  const final = main.at(-1)!.body
  const result = final.contents.at(-1).parts.find((part: Record<string, any>) => part.functionResponse?.name === 'WebSearch')
  assert.ok(result !== undefined, 'the last turn answers the WebSearch call')
  const text = JSON.stringify(result.functionResponse.response)
  assert.ok(text.includes(`Web search results for query: \\"${WEB_SEARCH_QUERY}\\"`), text)
  assert.ok(text.includes(link), 'the hit, as the grounding redirect URL')
  assert.ok(text.includes(`The lynkr code word is ${marker}.`), 'the grounded summary')
}

test('Claude Code WebSearch (tool search off) runs as Google Search grounding through lynkr to vertex (gemini) and answers from the results', { timeout: 180_000 }, async (t) => {
  // ENABLE_TOOL_SEARCH=false: Claude Code declares WebSearch up front instead of deferring it behind ToolSearch.
  await webSearchRoundTrip(t, { ENABLE_TOOL_SEARCH: 'false' })
})

// Captured: after `ToolSearch {query: "select:WebSearch"}` Claude Code sends WebSearch with `defer_loading: true`
// and a `tool_reference` tool result; lynkr must then declare it to Gemini (it used to drop every deferred tool).
test('Claude Code WebSearch loaded through ToolSearch (the default) runs through lynkr to vertex (gemini)', { timeout: 180_000 }, async (t) => {
  await webSearchRoundTrip(t, {})
})
