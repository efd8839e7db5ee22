/**
 * A seeded fuzzer over every endpoint (issue 17): realistic bodies of each front door mutated at random
 * (fields dropped or given the wrong type, deep nesting, bad model names, unknown types, broken JSON, wrong
 * content types), sent to a gateway in front of a faithful fake OpenAI upstream (which refuses invalid wire
 * requests as OpenAI does). Each reply is checked: no 5xx, the caller's error shape, no invalid request
 * reaching the upstream. Shared by test/fuzz.test.ts (CI-sized) and test/bench/bench-fuzz.ts (long runs).
 */
import { Pool } from 'undici'
import { seededRandom } from '../../packages/core/src/testing/seeded-random.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }


export type Dialect = 'anthropic' | 'openai'

interface Endpoint { method: 'GET' | 'POST', path: string, dialect: Dialect, base?: () => Json }

const anthropicMessages = (): Json => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  system: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Use tools.', cache_control: { type: 'ephemeral' } }],
  tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'list files' }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'ls', signature: 'sig' }, { type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'a.ts' }], is_error: false }, { type: 'text', text: 'thanks' }] }
  ],
  temperature: 1,
  metadata: { user_id: 'u1' },
  stream: false
})

const openAIChat = (): Json => ({
  model: 'gpt-4o',
  max_tokens: 64,
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: [{ type: 'text', text: 'list files' }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bash', arguments: '{"command":"ls"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: 'a.ts' }
  ],
  tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }],
  tool_choice: 'auto',
  stream: false,
  stream_options: null,
  temperature: 0.5
})

const openAIResponses = (): Json => ({
  model: 'gpt-4o',
  instructions: 'You are terse.',
  max_output_tokens: 64,
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
    { type: 'function_call', call_id: 'call_1', name: 'bash', arguments: '{"command":"ls"}' },
    { type: 'function_call_output', call_id: 'call_1', output: 'a.ts' }
  ],
  tools: [{ type: 'function', name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } }],
  stream: false
})

export const ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: '/v1/messages', dialect: 'anthropic', base: anthropicMessages },
  { method: 'POST', path: '/v1/messages/count_tokens', dialect: 'anthropic', base: () => { const body = anthropicMessages() as Record<string, Json>; delete body.max_tokens; delete body.stream; return body } },
  { method: 'POST', path: '/v1/chat/completions', dialect: 'openai', base: openAIChat },
  { method: 'POST', path: '/v1/responses', dialect: 'openai', base: openAIResponses },
  { method: 'POST', path: '/v1/embeddings', dialect: 'openai', base: () => ({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' }) },
  { method: 'GET', path: '/v1/usage', dialect: 'openai' },
  { method: 'GET', path: '/v1/models', dialect: 'openai' }
]

function deep (levels: number): Json {
  let value: Json = 1
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { x: value }
  return value
}

/** Values that break assumptions: wrong types, extremes, names headers and URLs cannot carry, unknown types. */
const NASTY: Array<() => Json> = [
  () => null, () => true, () => 0, () => -1, () => 1.5, () => 1e308, () => 99999999999999999999, () => '', () => 'x',
  () => [], () => ({}), () => [{}], () => [null], () => ({ type: 'bogus' }), () => [{ type: 'bogus' }],
  () => 'a\r\nx-injected: 1', () => 'nul\u0000', () => '\u6a21\u578b', () => '..', () => 'ollama:..', () => 'x'.repeat(300),
  () => deep(200), () => DEEP_MARKER, () => ({ type: 'text', text: 5 }), () => ({ type: 'tool_result', tool_use_id: 'nope', content: 5 }),
  () => ({ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: 'ls' }] }), () => '{"unterminated":',
  () => ({ type: 'function', function: {} }), () => ({ role: 'tool', content: 'x' }), () => ({ role: 'robot', content: 'x' })
]

/** Too deep for JSON.stringify or structuredClone in the test process: spliced into the text after stringifying. */
const DEEP_MARKER = '@@deep@@'
const DEEP_TEXT = '{"x":['.repeat(2500) + '1' + ']}'.repeat(2500)

type Container = Json[] | { [key: string]: Json }

/** Every container in the tree with its keys, so a mutation can land anywhere. */
function containers (value: Json, out: Container[] = [], depth = 0): Container[] {
  if (value === null || typeof value !== 'object' || depth > 12) return out
  out.push(value)
  for (const child of Array.isArray(value) ? value : Object.values(value)) containers(child, out, depth + 1)
  return out
}

function pick<T> (random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

function mutate (random: () => number, body: Json): void {
  const targets = containers(body)
  if (targets.length === 0) return
  const target = pick(random, targets)
  const keys: Array<string | number> = Array.isArray(target) ? target.map((_, i) => i) : Object.keys(target)
  const roll = random()
  if (keys.length > 0 && roll < 0.3) {
    const key = pick(random, keys)
    if (Array.isArray(target)) target.splice(key as number, 1)
    else delete target[key as string]
  } else if (keys.length > 0 && roll < 0.8) {
    const key = pick(random, keys)
    ;(target as Record<string | number, Json>)[key] = pick(random, NASTY)()
  } else if (Array.isArray(target)) {
    target.push(keys.length > 0 && random() < 0.5 ? structuredClone(target[pick(random, keys) as number]!) : pick(random, NASTY)())
  } else {
    target[pick(random, ['model', 'stream', 'max_tokens', 'messages', 'tools', 'input', 'stream_options', 'tool_choice', 'n', 'thinking', 'unknown_field'])] = pick(random, NASTY)()
  }
}

export interface FuzzCase { method: 'GET' | 'POST', path: string, dialect: Dialect, headers: Record<string, string>, body?: string }

export function fuzzCase (random: () => number): FuzzCase {
  const endpoint = pick(random, ENDPOINTS)
  const headers: Record<string, string> = endpoint.dialect === 'anthropic'
    ? { 'anthropic-version': '2023-06-01', 'x-api-key': 'client-key' }
    : { authorization: 'Bearer client-key' }
  if (endpoint.base === undefined) {
    const query = random() < 0.8 ? `?from=${encodeURIComponent(String(pick(random, NASTY)()))}&to=${encodeURIComponent(String(pick(random, NASTY)()))}` : ''
    return { method: endpoint.method, path: `${endpoint.path}${query}`, dialect: endpoint.dialect, headers }
  }
  const body = endpoint.base()
  const mutations = 1 + Math.floor(random() * 3)
  for (let i = 0; i < mutations; i++) mutate(random, body)
  let text = JSON.stringify(body).replaceAll(`"${DEEP_MARKER}"`, DEEP_TEXT)
  const whole = random()
  if (whole < 0.05) text = text.slice(0, Math.floor(random() * text.length)) // broken JSON
  else if (whole < 0.07) text = JSON.stringify(pick(random, NASTY)()) // not an object
  headers['content-type'] = whole > 0.98 ? 'text/plain' : 'application/json'
  return { method: endpoint.method, path: endpoint.path, dialect: endpoint.dialect, headers, body: text }
}

export interface FuzzReply { status: number, contentType: string, text: string }

export interface FuzzFinding { seed: number, index: number, case: FuzzCase, reply: FuzzReply, problem: string }

/** What is wrong with a reply, or undefined. Success (2xx) is fine: a mutation may leave a valid request. */
export function judge (fuzz: FuzzCase, reply: FuzzReply): string | undefined {
  if (reply.status >= 500) return `a ${reply.status} for a client's request`
  if (reply.status < 400) return undefined
  let json: any
  try { json = JSON.parse(reply.text) } catch { return 'an error reply that is not JSON' }
  // Requests that reach no front door route (wrong content type on GET…) still answer in a known shape.
  const anthropicShape = json?.type === 'error' && typeof json.error?.type === 'string' && typeof json.error?.message === 'string'
  const openAIShape = typeof json?.error?.message === 'string' && typeof json?.error?.type === 'string' && 'code' in json.error && 'param' in json.error
  if (fuzz.dialect === 'anthropic' && !anthropicShape) return 'not in Anthropic\'s error shape'
  if (fuzz.dialect === 'openai' && !openAIShape) return 'not in OpenAI\'s error shape'
  const message: string = json.error.message
  if (/upstream returned 4\d\d/.test(message) || /^lynkr_upstream_http_4/.test(String(json.error.code))) return 'an invalid request reached the upstream'
  return undefined
}

/** Runs `count` cases from `seed` against the gateway, `concurrency` at a time; returns what went wrong. */
export async function runFuzz (gatewayUrl: string, seed: number, count: number, concurrency = 8): Promise<{ findings: FuzzFinding[], statuses: Map<number, number> }> {
  const random = seededRandom(seed)
  const cases = Array.from({ length: count }, () => fuzzCase(random))
  const pool = new Pool(gatewayUrl, { connections: concurrency })
  const findings: FuzzFinding[] = []
  const statuses = new Map<number, number>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++
      const fuzz = cases[index]!
      let reply: FuzzReply
      try {
        const response = await pool.request({ method: fuzz.method, path: fuzz.path, headers: fuzz.headers, body: fuzz.body })
        reply = { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), text: await response.body.text() }
      } catch (error) {
        reply = { status: 0, contentType: '', text: String(error) }
        findings.push({ seed, index, case: fuzz, reply, problem: `the request failed: ${String(error)}` })
        continue
      }
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
      const problem = judge(fuzz, reply)
      if (problem !== undefined) findings.push({ seed, index, case: fuzz, reply, problem })
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker))
  } finally {
    await pool.close()
  }
  return { findings, statuses }
}

/** A finding, short enough to read in a test failure. */
export function describeFinding (finding: FuzzFinding): string {
  return `#${finding.index} (seed ${finding.seed}) ${finding.case.method} ${finding.case.path}: ${finding.problem}\n  body: ${finding.case.body?.slice(0, 400)}\n  reply ${finding.reply.status}: ${finding.reply.text.slice(0, 300)}`
}
