/**
 * Replays a recorded corpus session (test/fixtures/token-corpus) through a real lynkr with a given
 * environment against a fake upstream of one provider profile, and keeps what the upstream received per
 * client request. The fake answers each request with the reply recorded for it, so the conversation the
 * client sends next is exactly the recorded one.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { startFakeAnthropic } from '../helpers/fake-anthropic.ts'
import { startFakeOllama } from '../helpers/fake-ollama.ts'
import { startFakeOpenAI } from '../helpers/fake-openai.ts'
import { isRecord, type FakeReply, type FakeUpstream } from '../helpers/fake-script.ts'
import { ollamaEnv, openAIEnv, startGateway } from '../helpers/gateway.ts'
import { anthropicEnv } from '../helpers/anthropic-gateway.ts'
import type { CorpusSession } from '../token-corpus/corpus-format.ts'

export type ProfileId = 'anthropic' | 'openai' | 'local-16k' | 'local-32k'

export interface Profile {
  id: ProfileId
  /** Which cache model prices it; local profiles are free and only have to fit. */
  cache: 'anthropic' | 'automatic' | 'none'
  window?: number
  start: () => Promise<FakeUpstream>
  env: (url: string) => Record<string, string>
}

export const PROFILES: Profile[] = [
  { id: 'anthropic', cache: 'anthropic', start: async () => await startFakeAnthropic({ apiKey: 'azure-key', adaptiveThinking: true }), env: (url) => anthropicEnv(url) },
  { id: 'openai', cache: 'automatic', start: async () => await startFakeOpenAI({ apiKey: 'sk-test-key' }), env: (url) => openAIEnv(url) },
  { id: 'local-16k', cache: 'none', window: 16_384, start: async () => await startFakeOllama(), env: (url) => ollamaEnv(url, { OLLAMA_NUM_CTX: '16384' }) },
  { id: 'local-32k', cache: 'none', window: 32_768, start: async () => await startFakeOllama(), env: (url) => ollamaEnv(url, { OLLAMA_NUM_CTX: '32768' }) }
]

export interface UpstreamCall { seq: number, path: string, body: any, rawBody: string, internal: boolean }

export interface ReplayResult {
  upstream: UpstreamCall[]
  /** Per client request: lynkr's HTTP status. */
  statuses: Array<{ seq: number, status: number, error?: string }>
  /** Per client request: ms from sending it to lynkr until the fake upstream was asked for the reply (lynkr's inbound work: parse, steps, translation, send). */
  timings: number[]
}

const memo = new Map<string, number>()
/** o200k token count, memoised by text: most blocks repeat in every later request of a session. */
export function tokens (text: string): number {
  let counted = memo.get(text)
  if (counted === undefined) {
    counted = countTokens(text)
    if (memo.size > 200_000) memo.clear()
    memo.set(text, counted)
  }
  return counted
}

/** The client's own tools in a request of any wire format (the summariser and other internal calls have none). */
function hasTools (body: unknown): boolean {
  return isRecord(body) && Array.isArray(body.tools) && body.tools.length > 0
}

const SUMMARY: FakeReply = { text: 'Summary of the earlier conversation: the user asked for a change in the semver package; files were read, tests were run and edits were made.' }

export interface ReplayOptions {
  session: CorpusSession
  profile: Profile
  env: Record<string, string>
  /** Replay only the first N requests. */
  limit?: number
  /** Also start a second gateway and alternate per request (overhead comparison); returns both. */
}

export async function replay (options: ReplayOptions): Promise<ReplayResult> {
  const { session, profile } = options
  const fake = await profile.start()
  const upstream: UpstreamCall[] = []
  let current: { seq: number, reply: FakeReply } = { seq: -1, reply: SUMMARY }
  let sentAt = 0
  let reached: number | undefined
  fake.respondWith((request) => {
    reached ??= performance.now() - sentAt
    const internal = !hasTools(request.body) && session.requests[current.seq]?.main === true
    upstream.push({ seq: current.seq, path: request.path, body: request.body, rawBody: request.rawBody ?? '', internal })
    return internal ? SUMMARY : current.reply
  })
  const gateway = await startGateway({ ...profile.env(fake.url), ...options.env })
  const statuses: ReplayResult['statuses'] = []
  const timings: number[] = []
  try {
    for (const request of session.requests.slice(0, options.limit)) {
      current = { seq: request.seq, reply: request.reply }
      reached = undefined
      sentAt = performance.now()
      const response = await fetch(`${gateway.url}${request.path}`, {
        method: request.method,
        headers: { ...request.headers, 'x-api-key': 'client-key', authorization: 'Bearer client-key' },
        body: request.rawBody
      })
      const text = await response.text()
      if (reached !== undefined) timings.push(reached)
      statuses.push({ seq: request.seq, status: response.status, ...(response.ok && !/"type":"error"|event: error/.test(text.slice(0, 4000)) ? {} : { error: text.slice(0, 300) }) })
    }
  } finally {
    await gateway.close()
    await fake.close()
  }
  return { upstream, statuses, timings }
}
