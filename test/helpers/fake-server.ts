/**
 * node:http plumbing shared by the fake upstreams: request recording, the scripted responder,
 * frame-by-frame streaming with delays and dropped connections, and a close() that never hangs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { defaultReply, type FakeReply, type FakeResponder, type FakeUpstream, type RecordedRequest } from './fake-script.ts'

export interface FakeExchange {
  req: IncomingMessage
  res: ServerResponse
  recorded: RecordedRequest
  /** Asks the current responder; call only once the request passed validation. */
  reply (): FakeReply
  /** Resolves false instead of waiting when the server is closing. */
  sleep (ms: number | undefined): Promise<boolean>
}

export type FakeHandler = (exchange: FakeExchange) => Promise<void>

export async function startFakeServer (handler: FakeHandler, responder: FakeResponder | FakeReply = defaultReply): Promise<FakeUpstream> {
  let current: FakeResponder | FakeReply = responder
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  const closing = new AbortController()

  const sleep = async (ms: number | undefined): Promise<boolean> => {
    if (ms === undefined || ms <= 0) return !closing.signal.aborted
    try {
      await delay(ms, undefined, { signal: closing.signal })
      return true
    } catch {
      return false
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req)
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: { ...req.headers },
        body: parseBody(rawBody),
        rawBody
      }
      requests.push(recorded)
      const reply = (): FakeReply => typeof current === 'function' ? current(recorded) : current
      await handler({ req, res, recorded, reply, sleep })
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `fake upstream crashed: ${String(error)}` })
      else res.destroy()
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respondWith (next) { current = next },
    async close () {
      closing.abort()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function parseBody (raw: string): unknown {
  if (raw === '') return undefined
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return raw
  }
}

export function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** Headers every scripted error carries. */
export function errorHeaders (reply: FakeReply): Record<string, string> {
  return reply.retryAfter === undefined ? {} : { 'retry-after': String(reply.retryAfter) }
}

/** Writes pre-rendered frames one at a time, honouring chunkDelayMs and dropConnectionAfterChunks. */
export async function streamFrames (exchange: FakeExchange, contentType: string, frames: string[], reply: FakeReply): Promise<void> {
  const { res } = exchange
  if (res.destroyed) return
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', connection: 'keep-alive' })
  res.flushHeaders()
  for (let i = 0; i < frames.length; i++) {
    if (reply.dropConnectionAfterChunks === i) {
      res.socket?.destroy()
      return
    }
    if (res.destroyed) return
    res.write(frames[i])
    if (i < frames.length - 1 && !(await exchange.sleep(reply.chunkDelayMs))) return
  }
  if (reply.dropConnectionAfterChunks !== undefined && reply.dropConnectionAfterChunks >= frames.length) {
    res.socket?.destroy()
    return
  }
  res.end()
}
