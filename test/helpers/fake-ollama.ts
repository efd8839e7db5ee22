/**
 * A fake Ollama server speaking the native API (protocols.md 4.1): POST /api/chat as NDJSON (stream is
 * on unless `stream:false`), POST /api/embed (4.2), GET /api/tags and /api/version, with the Go server's
 * type checks.
 */
import { errorHeaders, sendJson, startFakeServer, streamFrames, type FakeExchange } from './fake-server.ts'
import { fakeEmbedding, isRecord, splitText, usageFor, type FakeResponder, type FakeUpstream } from './fake-script.ts'

export interface FakeOllamaOptions {
  /** Allow list; other models get 404. Absent: every model exists. */
  models?: string[]
  responder?: FakeResponder
}

const NDJSON = 'application/x-ndjson'

export async function startFakeOllama (options: FakeOllamaOptions = {}): Promise<FakeUpstream> {
  const models = options.models?.map(withTag)
  return await startFakeServer(async (exchange) => {
    const { req, res, recorded } = exchange
    const path = new URL(recorded.path, 'http://fake').pathname
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      return void res.end(req.method === 'HEAD' ? undefined : 'Ollama is running')
    }
    if (req.method === 'GET' && path === '/api/version') return sendJson(res, 200, { version: '0.12.6' })
    if (req.method === 'GET' && path === '/api/tags') return sendJson(res, 200, { models: (models ?? ['llama3.2:latest']).map(tagEntry) })
    if (req.method === 'POST' && path === '/api/embed') return await embed(exchange, models)
    if (req.method !== 'POST' || path !== '/api/chat') return sendJson(res, 404, { error: '404 page not found' })

    const body: unknown = recorded.body
    if (!isRecord(body)) return sendJson(res, 400, { error: 'invalid character looking for beginning of value' })
    const problem = validate(body)
    if (problem !== null) return sendJson(res, 400, { error: problem })
    const model = body.model as string
    if (models !== undefined && !models.includes(withTag(model))) return sendJson(res, 404, { error: `model '${model}' not found` })
    await answer(exchange, body, model)
  }, options.responder)
}

/** Ollama resolves a bare name to `name:latest`. */
function withTag (model: string): string {
  return model.includes(':') ? model : `${model}:latest`
}

function tagEntry (name: string): Record<string, unknown> {
  return {
    name, model: name, modified_at: '2026-01-01T00:00:00Z', size: 1_000_000, digest: 'fake',
    details: { format: 'gguf', family: name.split(':')[0], parameter_size: '1B', quantization_level: 'Q4_K_M' }
  }
}

/** The checks Go's JSON decoding does, worded the way Ollama words them. */
function validate (body: Record<string, unknown>): string | null {
  if (typeof body.model !== 'string' || body.model === '') return 'model is required'
  if (body.messages === undefined || body.messages === null) return null
  if (!Array.isArray(body.messages)) return 'json: cannot unmarshal object into Go struct field ChatRequest.messages of type []api.Message'
  for (const message of body.messages as unknown[]) {
    if (!isRecord(message)) return 'json: cannot unmarshal value into Go struct field ChatRequest.messages of type api.Message'
    const content = message.content
    if (content !== undefined && content !== null && typeof content !== 'string') {
      return `json: cannot unmarshal ${goType(content)} into Go struct field Message.messages.content of type string`
    }
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls as unknown[] : []) {
      const args = isRecord(call) && isRecord(call.function) ? call.function.arguments : undefined
      if (args !== undefined && args !== null && !isRecord(args)) {
        return `json: cannot unmarshal ${goType(args)} into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments`
      }
    }
  }
  return null
}

function goType (value: unknown): string {
  if (Array.isArray(value)) return 'array'
  return typeof value === 'object' ? 'object' : typeof value
}

async function answer (exchange: FakeExchange, body: Record<string, unknown>, model: string): Promise<void> {
  const createdAt = (): string => new Date().toISOString()
  // No messages: Ollama just loads the model and says so.
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return sendJson(exchange.res, 200, { model, created_at: createdAt(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true })
  }
  const reply = exchange.reply()
  if (!(await exchange.sleep(reply.delayMs))) return
  if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) {
    return sendJson(exchange.res, reply.status, { error: reply.error ?? `fake upstream error ${reply.status}` }, errorHeaders(reply))
  }
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    ...(call.id === undefined ? {} : { id: call.id }),
    function: { index, name: call.name, arguments: call.arguments }
  }))
  const { input, output } = usageFor(reply, body.messages)
  const final = {
    done: true,
    done_reason: reply.finishReason ?? 'stop', // 'stop' even after tool calls, as real Ollama does
    total_duration: 182_242_375, load_duration: 41_295_167,
    prompt_eval_count: input, prompt_eval_duration: 24_573_166,
    eval_count: output, eval_duration: 115_959_084
  }

  if (body.stream === false) {
    if (reply.dropConnectionAfterChunks !== undefined) return void exchange.res.socket?.destroy()
    if (reply.midStreamError !== undefined) return sendJson(exchange.res, 500, { error: reply.midStreamError })
    const message = {
      role: 'assistant',
      content: reply.text ?? '',
      ...(reply.reasoning === undefined ? {} : { thinking: reply.reasoning }),
      ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls })
    }
    return sendJson(exchange.res, 200, { model, created_at: createdAt(), message, ...final })
  }

  const line = (value: Record<string, unknown>): string => `${JSON.stringify({ model, created_at: createdAt(), ...value })}\n`
  const partial = (message: Record<string, unknown>): string => line({ message: { role: 'assistant', content: '', ...message }, done: false })
  const frames: string[] = []
  for (const piece of splitText(reply.reasoning ?? '')) frames.push(partial({ thinking: piece }))
  const text = reply.text ?? (reply.midStreamError === undefined ? '' : 'partial answer')
  for (const piece of splitText(text)) frames.push(partial({ content: piece }))
  if (reply.midStreamError !== undefined) {
    frames.push(`${JSON.stringify({ error: reply.midStreamError })}\n`)
    return await streamFrames(exchange, NDJSON, frames, reply)
  }
  if (toolCalls.length > 0) frames.push(partial({ tool_calls: toolCalls })) // whole calls, never fragments
  frames.push(line({ message: { role: 'assistant', content: '' }, ...final }))
  await streamFrames(exchange, NDJSON, frames, reply)
}

/** POST /api/embed: `input` is a string or strings; vectors come from fakeEmbedding. Scripted errors apply. */
async function embed (exchange: FakeExchange, models: string[] | undefined): Promise<void> {
  const body: unknown = exchange.recorded.body
  if (!isRecord(body)) return sendJson(exchange.res, 400, { error: 'invalid character looking for beginning of value' })
  if (typeof body.model !== 'string' || body.model === '') return sendJson(exchange.res, 400, { error: 'model is required' })
  if (models !== undefined && !models.includes(withTag(body.model))) return sendJson(exchange.res, 404, { error: `model "${body.model}" not found, try pulling it first` })
  const input = body.input
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((item) => typeof item === 'string') ? input as string[] : null
  if (texts === null) return sendJson(exchange.res, 400, { error: 'invalid input type' })
  if (body.dimensions !== undefined && (typeof body.dimensions !== 'number' || !Number.isInteger(body.dimensions))) {
    return sendJson(exchange.res, 400, { error: `json: cannot unmarshal ${goType(body.dimensions)} into Go struct field EmbedRequest.dimensions of type int` })
  }
  const reply = exchange.reply()
  if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) {
    return sendJson(exchange.res, reply.status, { error: reply.error ?? `fake upstream error ${reply.status}` }, errorHeaders(reply))
  }
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined
  const promptEvalCount = texts.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0)
  sendJson(exchange.res, 200, {
    model: body.model,
    embeddings: texts.map((text) => fakeEmbedding(text, dimensions)),
    total_duration: 14_143_917, load_duration: 1_019_500,
    prompt_eval_count: promptEvalCount
  })
}
