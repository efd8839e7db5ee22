/**
 * The token corpus on disk (test/fixtures/token-corpus/README.md): one gzip JSONL file per recorded
 * session, a header line then one line per request the client sent. Bodies are stored as a splice of
 * the previous request's body (kept prefix, kept suffix, new middle) because an agent's requests repeat
 * the whole conversation; the splice rebuilds the exact bytes, checked by sha256.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { FakeReply } from '../helpers/fake-script.ts'

export interface CorpusHeader {
  type: 'session'
  id: string
  /** Which front door the client speaks: Anthropic Messages or OpenAI Chat Completions. */
  front: 'anthropic' | 'openai'
  client: string
  snapshot: string
  task: string
  /** The working directory the tool output names (fixed so re-recording gives the same paths). */
  workDir: string
}

export interface CorpusRequest {
  seq: number
  method: string
  path: string
  headers: Record<string, string>
  /** The body exactly as sent (utf8). */
  rawBody: string
  /** The main agent loop (offers the client's tools), not a background request (title, quota, summary). */
  main: boolean
  /** What the scripted upstream answered. */
  reply: FakeReply
}

export interface CorpusSession { header: CorpusHeader, requests: CorpusRequest[] }

interface StoredRequest extends Omit<CorpusRequest, 'rawBody'> {
  type: 'request'
  /** body = previous body [0, keep) + insert + previous body [previous.length - tail, end). */
  body: { keep: number, insert: string, tail: number }
  sha256: string
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** Common prefix and (non-overlapping) suffix lengths, in UTF-16 units. */
function splice (previous: string, next: string): StoredRequest['body'] {
  const max = Math.min(previous.length, next.length)
  let keep = 0
  while (keep < max && previous.charCodeAt(keep) === next.charCodeAt(keep)) keep++
  let tail = 0
  while (tail < max - keep && previous.charCodeAt(previous.length - 1 - tail) === next.charCodeAt(next.length - 1 - tail)) tail++
  return { keep, insert: next.slice(keep, next.length - tail), tail }
}

export function encodeSession (session: CorpusSession): Buffer {
  const lines = [JSON.stringify(session.header)]
  let previous = ''
  for (const request of session.requests) {
    const { rawBody, ...rest } = request
    const stored: StoredRequest = { type: 'request', ...rest, body: splice(previous, rawBody), sha256: sha256(rawBody) }
    lines.push(JSON.stringify(stored))
    previous = rawBody
  }
  return gzipSync(lines.join('\n') + '\n', { level: 9 })
}

export function decodeSession (data: Buffer): CorpusSession {
  const lines = gunzipSync(data).toString('utf8').split('\n').filter((line) => line !== '')
  const header = JSON.parse(lines[0]!) as CorpusHeader
  if (header.type !== 'session') throw new Error('corpus file does not start with a session header')
  const requests: CorpusRequest[] = []
  let previous = ''
  for (const line of lines.slice(1)) {
    const { type: _type, body, sha256: expected, ...rest } = JSON.parse(line) as StoredRequest
    const rawBody = previous.slice(0, body.keep) + body.insert + previous.slice(previous.length - body.tail)
    if (sha256(rawBody) !== expected) throw new Error(`${header.id} request ${rest.seq}: body does not rebuild (sha256 mismatch)`)
    requests.push({ ...rest, rawBody })
    previous = rawBody
  }
  return { header, requests }
}

export function writeSession (file: string, session: CorpusSession): void { writeFileSync(file, encodeSession(session)) }
export function readSession (file: string): CorpusSession { return decodeSession(readFileSync(file)) }
