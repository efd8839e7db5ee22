/**
 * A raw TCP upstream that breaks the way real upstreams and the proxies in front of them break, below what
 * node:http lets a fake do: streams that end cleanly without their protocol's end, 200s with an HTML page, an
 * empty or a plain-text body, a JSON error in a 200, silence before or after the headers, a byte a second,
 * parts that never stop coming, and a connection reset mid-body. It speaks three upstream dialects by path:
 * OpenAI chat completions (`/chat/completions`), Ollama (`/api/chat`) and Gemini (`:generateContent`,
 * `:streamGenerateContent?alt=sse`); health probes (`/models`, `/api/tags`) always get a proper answer.
 */
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'

export type Fault =
  | 'ok'
  | 'truncated'
  | 'html-200'
  | 'empty-200'
  | 'non-stream-200'
  | 'error-200'
  | 'stall-before-headers'
  | 'stall-after-headers'
  | 'byte-drip'
  | 'endless-parts'
  | 'reset-mid-body'

export const FAULTS: Fault[] = ['truncated', 'html-200', 'empty-200', 'non-stream-200', 'error-200', 'stall-before-headers', 'stall-after-headers', 'byte-drip', 'endless-parts', 'reset-mid-body']

type Dialect = 'openai' | 'ollama' | 'gemini'

export interface FaultServer {
  url: string
  /** What every chat request gets from now on. */
  fault: Fault
  /** Chat requests received (probes not counted). */
  chats: number
  /** With `ok`: resolve this to let the answer start (the first bytes wait for it). */
  hold: Promise<void> | undefined
  close: () => Promise<void>
}

interface Request { method: string, path: string, body: Record<string, unknown> }

export const ANSWER = ['Hello', ' from', ' the', ' upstream']

function frames (dialect: Dialect, complete: boolean): string[] {
  if (dialect === 'openai') {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    const content = [chunk({ role: 'assistant', content: '' }), ...ANSWER.map((text) => chunk({ content: text }))]
    return complete ? [...content, chunk({}, 'stop'), 'data: [DONE]\n\n'] : content
  }
  if (dialect === 'ollama') {
    const content = ANSWER.map((text) => `${JSON.stringify({ model: 'qwen', message: { role: 'assistant', content: text }, done: false })}\n`)
    return complete ? [...content, `${JSON.stringify({ model: 'qwen', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 10, eval_count: 4 })}\n`] : content
  }
  const content = ANSWER.map((text) => `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] } }] })}\r\n\r\n`)
  const end = `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4 } })}\r\n\r\n`
  return complete ? [...content, end] : content
}

function wholeBody (dialect: Dialect): string {
  const text = ANSWER.join('')
  if (dialect === 'openai') {
    return JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } })
  }
  if (dialect === 'ollama') return JSON.stringify({ model: 'qwen', message: { role: 'assistant', content: text }, done: true, done_reason: 'stop', prompt_eval_count: 10, eval_count: 4 })
  return JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4 } })
}

function errorBody (dialect: Dialect): string {
  if (dialect === 'ollama') return JSON.stringify({ error: 'model "qwen" not found, try pulling it first' })
  if (dialect === 'openai') return JSON.stringify({ error: { message: 'The server had an error while processing your request', type: 'server_error', code: null } })
  return JSON.stringify({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } })
}

const HTML = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n'

function head (status: number, headers: Record<string, string>): string {
  const lines = Object.entries({ connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}`)
  return `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n`
}

const chunk = (data: string): string => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`

function dialectOf (path: string): Dialect | undefined {
  if (path.includes('/chat/completions')) return 'openai'
  if (path.includes('/api/chat')) return 'ollama'
  if (/generatecontent/i.test(path)) return 'gemini'
  return undefined
}

export async function startFaultServer (): Promise<FaultServer> {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => { timers.delete(timer); run() }, ms)
    timers.add(timer)
  }

  const state: FaultServer = {
    url: '',
    fault: 'ok',
    chats: 0,
    hold: undefined,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  function answer (socket: Socket, request: Request): void {
    const write = (text: string): void => { if (!socket.destroyed) socket.write(text) }
    const dialect = dialectOf(request.path)
    if (dialect === undefined) {
      // Health probes: an OpenAI models list, Ollama tags, anything else an empty object.
      const body = request.path.endsWith('/models') ? JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }) : JSON.stringify({ models: [{ name: 'qwen:latest' }] })
      write(head(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }) + body)
      socket.end()
      return
    }
    state.chats++
    // Ollama streams unless told not to; OpenAI only when asked.
    const stream = dialect === 'gemini' ? request.path.includes('streamGenerateContent') : dialect === 'ollama' ? request.body.stream !== false : request.body.stream === true
    const streamType = dialect === 'ollama' ? 'application/x-ndjson' : 'text/event-stream'
    const type = stream ? streamType : 'application/json'
    const whole = (status: number, contentType: string, body: string): void => {
      write(head(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) }) + body)
      socket.end()
    }
    const chunked = (): void => write(head(200, { 'content-type': type, 'transfer-encoding': 'chunked' }))
    /** Writes the pieces one chunk each, `ms` apart, once or round and round until the client leaves. */
    const drip = (pieces: string[], ms: number, forever: boolean): void => {
      let sent = 0
      const next = (): void => {
        if (socket.destroyed || (!forever && sent >= pieces.length)) return
        write(chunk(pieces[sent++ % pieces.length]!))
        later(ms, next)
      }
      next()
    }
    const body = stream ? frames(dialect, true).join('') : wholeBody(dialect)
    switch (state.fault) {
      case 'ok': {
        const go = (): void => {
          if (!stream) return whole(200, type, body)
          chunked()
          for (const frame of frames(dialect, true)) write(chunk(frame))
          write('0\r\n\r\n')
          socket.end()
        }
        if (state.hold === undefined) go()
        else void state.hold.then(go)
        return
      }
      case 'truncated':
        if (!stream) return whole(200, type, body.slice(0, Math.floor(body.length / 2)))
        chunked()
        for (const frame of frames(dialect, false)) write(chunk(frame))
        write('0\r\n\r\n')
        socket.end()
        return
      case 'html-200': return whole(200, 'text/html', HTML)
      case 'empty-200': return whole(200, type, '')
      case 'non-stream-200': return whole(200, 'text/plain', 'upstream says hello\nand nothing else\n')
      case 'error-200': return whole(200, 'application/json', errorBody(dialect))
      case 'stall-before-headers': return
      case 'stall-after-headers':
        chunked()
        return
      case 'byte-drip':
        chunked()
        drip([...body], 1000, false)
        return
      case 'endless-parts':
        // Streams: content parts that never end; a whole answer: its bytes, over and over, never finished.
        chunked()
        drip(stream ? frames(dialect, false) : [...body], 100, true)
        return
      case 'reset-mid-body': {
        const half = stream ? frames(dialect, false).join('') : body.slice(0, Math.floor(body.length / 2))
        write(head(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body) * 2) }) + half)
        later(50, () => socket.resetAndDestroy())
      }
    }
  }

  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffer = Buffer.alloc(0)
    let answered = false
    socket.on('data', (data: Buffer) => {
      if (answered) return
      buffer = Buffer.concat([buffer, data])
      const end = buffer.indexOf('\r\n\r\n')
      if (end === -1) return
      const lines = buffer.subarray(0, end).toString('latin1').split('\r\n')
      const [method = 'GET', path = '/'] = lines[0]!.split(' ')
      const length = Number(lines.find((line) => /^content-length:/i.test(line))?.split(':')[1]?.trim() ?? 0)
      if (buffer.length < end + 4 + length) return
      answered = true
      let body: Record<string, unknown> = {}
      try { body = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')) } catch {}
      answer(socket, { method, path, body })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}
