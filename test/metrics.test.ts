import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { loadTokenizer } from '../packages/core/src/tokens/count-tokens.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startGateway } from './helpers/gateway.ts'
import { sampleValue, scrape } from './helpers/prometheus.ts'

before(async () => { await loadTokenizer() })

const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }

async function send (url: string, prompt: string, stream = true): Promise<number> {
  const response = await request(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream, messages: [{ role: 'user', content: prompt }] }) })
  await response.body.text()
  return response.statusCode
}

test('/metrics: Prometheus text with lynkr_ names and the values traffic produced; the ledger agrees on spend', async (t) => {
  const ollama = await startFakeOllama()
  const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  // SIMPLE → ollama (free); MEDIUM → ollama fails → fallback openai gpt-4o-mini; REASONING → openai o3 with cache hits.
  ollama.respondWith((req) => req.body.model === 'qwen-medium' ? { status: 503, error: 'busy' } : { text: 'local', usage: { input: 30, output: 3 } })
  openai.respondWith((req) => req.body.model === 'o3'
    ? { text: 'deep answer', usage: { input: 10_000, cached: 4_000, output: 500 } }
    : { text: 'fallback answer', usage: { input: 1_000, output: 100 } })
  const gateway = await startGateway({
    MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: ollama.url,
    TIER_SIMPLE: 'ollama:qwen-small', TIER_MEDIUM: 'ollama:qwen-medium', TIER_COMPLEX: 'ollama:qwen-large', TIER_REASONING: 'openai:o3',
    FALLBACK_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${openai.url}/v1`, OPENAI_MODEL: 'gpt-4o-mini'
  })
  t.after(async () => { await gateway.close(); await ollama.close(); await openai.close() })

  assert.equal(await send(gateway.url, 'hi'), 200)
  assert.equal(await send(gateway.url, 'hello', false), 200)
  assert.equal(await send(gateway.url, 'Fix the typo in README.md where it says recieve instead of receive'), 200)
  assert.equal(await send(gateway.url, 'Prove that the merge step preserves the sorted-key invariant and explain why it terminates. Think hard.'), 200)
  const bad = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers, body: '{"model":' })
  await bad.body.text()
  assert.equal(bad.statusCode, 400)

  const { families, contentType, text } = await scrape(gateway.url)
  assert.match(contentType, /^text\/plain; version=0\.0\.4/)
  for (const name of families.keys()) assert.match(name, /^lynkr_/, `${name} is not prefixed`)
  const expectTypes: Record<string, string> = {
    lynkr_http_requests_total: 'COUNTER',
    lynkr_http_request_duration_seconds: 'HISTOGRAM',
    lynkr_errors_total: 'COUNTER',
    lynkr_upstream_requests_total: 'COUNTER',
    lynkr_upstream_request_duration_seconds: 'HISTOGRAM',
    lynkr_upstream_time_to_first_token_seconds: 'HISTOGRAM',
    lynkr_tokens_total: 'COUNTER',
    lynkr_cost_usd_total: 'COUNTER',
    lynkr_chat_requests_total: 'COUNTER',
    lynkr_fallbacks_total: 'COUNTER',
    lynkr_tier_decisions_total: 'COUNTER',
    lynkr_circuit_breaker_state: 'GAUGE',
    lynkr_active_streams: 'GAUGE',
    lynkr_active_upstream_requests: 'GAUGE',
    lynkr_process_cpu_seconds_total: 'COUNTER',
    lynkr_process_resident_memory_bytes: 'GAUGE',
    lynkr_nodejs_heap_size_used_bytes: 'GAUGE'
  }
  for (const [name, type] of Object.entries(expectTypes)) assert.equal(families.get(name)?.type, type, name)
  for (const [name, family] of families) {
    if (family.type === 'COUNTER') assert.match(name, /_total$/, `counter ${name} ends in _total`)
  }

  // Request rate and status codes.
  assert.equal(sampleValue(families, 'lynkr_http_requests_total', { route: '/v1/messages', status_code: '200' }), 4)
  assert.equal(sampleValue(families, 'lynkr_http_requests_total', { route: '/v1/messages', status_code: '400' }), 1)
  // parse-prometheus-text-format folds the series of a labelled histogram into one (it drops their
  // labels), so for those we check the shape; per-series counts come from the counters.
  const histogram = families.get('lynkr_http_request_duration_seconds')!.metrics[0]!
  assert.ok(histogram.buckets !== undefined && '+Inf' in histogram.buckets && '0.005' in histogram.buckets && '600' in histogram.buckets)
  // Per series, from the text itself: every answered request was timed, under its route and status.
  const seriesCount = (route: string, status: string): number | undefined => {
    const line = new RegExp(`^lynkr_http_request_duration_seconds_count\\{method="POST",route="${route}",status_code="${status}"\\} (\\d+)$`, 'm').exec(text)
    return line === null ? undefined : Number(line[1])
  }
  assert.equal(seriesCount('/v1/messages', '200'), 4)
  assert.equal(seriesCount('/v1/messages', '400'), 1)
  const seconds = /^lynkr_http_request_duration_seconds_sum\{method="POST",route="\/v1\/messages",status_code="200"\} (\S+)$/m.exec(text)
  assert.ok(seconds !== null && Number(seconds[1]) > 0 && Number(seconds[1]) < 60, `durations are recorded in seconds: ${seconds?.[1]}`)
  const summary = families.get('lynkr_http_request_summary_seconds')
  assert.ok(summary === undefined || summary.metrics.length === 0, 'quantiles come from the histogram, not a per-request t-digest')
  assert.equal(sampleValue(families, 'lynkr_errors_total', { type: 'invalid_request', phase: 'request' }), 1)

  // Upstream outcomes, fallback and tier decisions.
  assert.equal(sampleValue(families, 'lynkr_upstream_requests_total', { provider: 'ollama', model: 'qwen-small', outcome: 'success' }), 2)
  assert.equal(sampleValue(families, 'lynkr_upstream_requests_total', { provider: 'ollama', model: 'qwen-medium', outcome: 'server_error' }), 1)
  assert.equal(sampleValue(families, 'lynkr_upstream_requests_total', { provider: 'openai', model: 'gpt-4o-mini', outcome: 'success' }), 1)
  assert.equal(sampleValue(families, 'lynkr_fallbacks_total', { from: 'ollama', to: 'openai', outcome: 'server_error' }), 1)
  assert.equal(sampleValue(families, 'lynkr_tier_decisions_total', { tier: 'SIMPLE', provider: 'ollama' }), 2)
  assert.equal(sampleValue(families, 'lynkr_tier_decisions_total', { tier: 'MEDIUM', provider: 'ollama' }), 1)
  assert.equal(sampleValue(families, 'lynkr_tier_decisions_total', { tier: 'REASONING', provider: 'openai' }), 1)
  assert.equal(sampleValue(families, 'lynkr_chat_requests_total', { provider: 'openai', model: 'gpt-4o-mini', tier: 'MEDIUM', outcome: 'success' }), 1)

  // Tokens and cost: OpenAI's prompt_tokens include cached ones; we count input without cache (Anthropic semantics).
  assert.equal(sampleValue(families, 'lynkr_tokens_total', { provider: 'openai', model: 'o3', kind: 'input' }), 6_000)
  assert.equal(sampleValue(families, 'lynkr_tokens_total', { provider: 'openai', model: 'o3', kind: 'cache_read' }), 4_000)
  assert.equal(sampleValue(families, 'lynkr_tokens_total', { provider: 'openai', model: 'o3', kind: 'output' }), 500)
  const o3Cost = (6_000 * 2 + 4_000 * 0.5 + 500 * 8) / 1e6
  assert.ok(Math.abs(sampleValue(families, 'lynkr_cost_usd_total', { provider: 'openai', model: 'o3' })! - o3Cost) < 1e-9)
  const miniCost = (1_000 * 0.15 + 100 * 0.6) / 1e6
  assert.ok(Math.abs(sampleValue(families, 'lynkr_cost_usd_total', { provider: 'openai', model: 'gpt-4o-mini' })! - miniCost) < 1e-9)
  assert.equal(sampleValue(families, 'lynkr_cost_usd_total', { provider: 'ollama' }), undefined, 'local models cost nothing')
  assert.equal(sampleValue(families, 'lynkr_tokens_total', { provider: 'ollama', model: 'qwen-small', kind: 'output' }), 6)

  // Breakers, streams, process.
  assert.equal(sampleValue(families, 'lynkr_circuit_breaker_state', { provider: 'ollama' }), 0)
  assert.equal(sampleValue(families, 'lynkr_circuit_breaker_state', { provider: 'openai' }), 0)
  assert.equal(sampleValue(families, 'lynkr_active_streams'), 0)
  assert.ok(sampleValue(families, 'lynkr_process_resident_memory_bytes')! > 10_000_000)

  // The ledger summarises the same spend by provider and model.
  const usage = await (await request(`${gateway.url}/v1/usage?from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`)).body.json() as any
  const o3 = usage.by_model.find((line: any) => line.model === 'o3')
  assert.deepEqual({ requests: o3.requests, input: o3.input_tokens, cacheRead: o3.cache_read_tokens, output: o3.output_tokens }, { requests: 1, input: 6_000, cacheRead: 4_000, output: 500 })
  assert.ok(Math.abs(o3.cost_usd - o3Cost) < 1e-9)
  assert.ok(Math.abs(usage.totals.cost_usd - (o3Cost + miniCost)) < 1e-9)
  assert.equal(usage.totals.requests, 4)
  assert.equal(usage.by_model[0].model, 'o3', 'ordered by spend')
})
