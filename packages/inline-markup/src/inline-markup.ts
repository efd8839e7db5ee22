import type { ChatRequest, ToolDefinition, UpstreamPart } from '@lynkr/protocol'
import type { PartTransform } from '@lynkr/core'

/**
 * Local models (Ollama, llama.cpp, LM Studio) often answer in markup their server did not parse:
 * reasoning in `<think>…</think>`, tool calls PRINTED as text — Hermes/Qwen `<tool_call>{"name":…,
 * "arguments":…}</tool_call>`, Qwen3-Coder `<tool_call><function=Bash><parameter=command>…`, or a bare
 * `{"name":…,"arguments":…}` object as the whole message. This transform turns that text back into
 * reasoning and tool-call parts, streaming: it only ever holds the ambiguous tail (a partial `<thi`, a
 * run of whitespace next to a tag) or a tool call that is still open.
 */
export interface InlineMarkupOptions {
  /** The request's tools: tool-call markup is recovered only when tools were offered. */
  tools?: readonly ToolDefinition[]
  /**
   * Recover `<think>` tags (default true). `'leading'`: only a `<think>` the answer opens with (cloud
   * OpenAI-compatible servers hosting DeepSeek-R1/Qwen3 without a reasoning parser); a tag later in the
   * answer is the model talking about tags, and stays text.
   */
  thinkTags?: boolean | 'leading'
  /** Recover a bare JSON object as a tool call (default true; off when a JSON response format was asked). */
  bareJson?: boolean
}

const THINK_OPEN = '<think>'
const THINK_CLOSE = '</think>'
const CALL_OPEN = '<tool_call>'
const CALL_CLOSE = '</tool_call>'
/** A printed tool call larger than this is not a tool call we can trust: it goes out as text. */
const MAX_HELD_CHARS = 4 * 1024 * 1024
/** Keys a printed JSON tool call starts with (Hermes, Llama 3.x, Mistral, OpenAI-shaped). */
const JSON_CALL_KEYS = ['name', 'function', 'arguments', 'parameters', 'type', 'tool', 'tool_name']

type Mode = 'text' | 'think' | 'call' | 'json'
type Channel = 'text' | 'reasoning'

/**
 * Text held while a printed call is open, kept as the pieces that arrived: joining (or indexing) one
 * ever-growing string per network chunk would make a large call quadratic.
 */
class HeldText {
  private parts: string[] = []
  length = 0
  push (text: string): void {
    if (text === '') return
    this.parts.push(text)
    this.length += text.length
  }

  text (): string {
    const whole = this.parts.join('')
    this.parts = whole === '' ? [] : [whole]
    return whole
  }

  clear (): void {
    this.parts = []
    this.length = 0
  }
}

export class InlineMarkupRecovery implements PartTransform {
  private readonly tools: Map<string, ToolDefinition>
  private readonly recoverTools: boolean
  private readonly thinkTags: 'always' | 'leading' | 'never'
  /** 'leading' mode: a `<think>` may still open the answer (nothing but whitespace so far, no block yet). */
  private leadingThink = true
  private readonly bareJson: boolean
  private mode: Mode = 'text'
  /** Text not yet looked at, or (text/think modes) the ambiguous tail held back. Always short. */
  private pending = ''
  /** Nothing but whitespace has been emitted so far (a bare JSON call must be the whole answer). */
  private atStart = true
  /** Whitespace held at the end of each channel: dropped when a tag follows, released when content does. */
  private readonly heldSpace: Record<Channel, string> = { text: '', reasoning: '' }
  /** Drop whitespace at the start of the next segment (the answer's start, just after a tag). */
  private readonly trimStart: Record<Channel, boolean> = { text: true, reasoning: true }
  private lastEmitted: 'text' | 'reasoning' | 'tool' | null = null
  /** 'call' mode: the body after `<tool_call>`, and its last characters (a closing tag may straddle pieces). */
  private readonly call = new HeldText()
  private callTail = ''
  /** 'json' mode: the held answer and the scanner's state (objects as [start, end) offsets into it). */
  private readonly jsonText = new HeldText()
  private json = { depth: 0, inString: false, escaped: false, objectStart: 0, objects: [] as Array<[number, number]>, head: '', confirmed: false }

  constructor (options: InlineMarkupOptions = {}) {
    this.tools = new Map((options.tools ?? []).map((tool) => [tool.name, tool]))
    this.recoverTools = this.tools.size > 0
    this.thinkTags = options.thinkTags === false ? 'never' : options.thinkTags === 'leading' ? 'leading' : 'always'
    this.bareJson = this.recoverTools && options.bareJson !== false
  }

  push (part: UpstreamPart): UpstreamPart[] {
    const out: UpstreamPart[] = []
    switch (part.type) {
      case 'text-delta':
        this.pending += part.text
        this.scan(out, false)
        return out
      case 'usage':
      case 'response-start':
        // No position in the answer: pass through without releasing anything.
        out.push(part)
        return out
      case 'finish':
        this.flush(out)
        out.push(part)
        return out
      default:
        // Native reasoning, tool calls or an error: whatever was held comes first, as it was.
        this.release(out)
        if (part.type === 'reasoning-delta' || part.type === 'reasoning-signature') this.lastEmitted = 'reasoning'
        else if (part.type === 'tool-call' || part.type === 'tool-call-delta') this.lastEmitted = 'tool'
        if (part.type === 'tool-call' || part.type === 'tool-call-delta') this.atStart = false
        out.push(part)
        return out
    }
  }

  end (): UpstreamPart[] {
    const out: UpstreamPart[] = []
    this.flush(out)
    return out
  }

  /** The upstream finished: resolve what is held (open tags are closed by the end of the answer). */
  private flush (out: UpstreamPart[]): void {
    this.scan(out, true)
    if (this.mode === 'think') {
      this.emit('reasoning', this.pending, true, out)
    } else if (this.mode === 'call') {
      // Models often stop right after the call, without the closing tag.
      const body = this.call.text()
      const calls = this.parseTaggedCall(body)
      if (calls !== null) this.emitCalls(calls, out)
      else this.emit('text', CALL_OPEN + body, true, out)
    } else if (this.mode === 'json') {
      const text = this.jsonText.text()
      const calls = this.json.depth === 0 ? this.parseJsonCalls(this.json.objects.map(([from, to]) => text.slice(from, to))) : null
      if (calls !== null) this.emitCalls(calls, out)
      else this.emit('text', text, true, out)
    } else {
      this.emit('text', this.pending, false, out)
      // Trailing whitespace of the answer is kept when the answer ended in text.
      if (this.lastEmitted === 'text' && this.heldSpace.text !== '') out.push({ type: 'text-delta', text: this.heldSpace.text })
    }
    this.pending = ''
    this.mode = 'text'
    this.call.clear()
    this.jsonText.clear()
    this.heldSpace.text = ''
    this.heldSpace.reasoning = ''
  }

  /** Something that is not text arrived mid-answer: held text goes out unparsed. */
  private release (out: UpstreamPart[]): void {
    if (this.mode === 'think') {
      this.emit('reasoning', this.pending, false, out)
      this.pending = ''
      return
    }
    let text = this.pending
    if (this.mode === 'call') text = CALL_OPEN + this.call.text() + text
    else if (this.mode === 'json') text = this.jsonText.text() + text
    this.pending = ''
    this.mode = 'text'
    this.call.clear()
    this.jsonText.clear()
    if (text !== '') this.emit('text', text, false, out)
    if (text.trim() !== '') this.atStart = false
  }

  private scan (out: UpstreamPart[], final: boolean): void {
    for (;;) {
      if (this.mode === 'text') {
        if (this.atStart && this.bareJson) {
          const trimmed = this.pending.trimStart()
          if (trimmed === '' && !final) return
          if (trimmed.startsWith('{')) {
            this.pending = trimmed
            this.mode = 'json'
            this.jsonText.clear()
            this.json = { depth: 0, inString: false, escaped: false, objectStart: 0, objects: [], head: '', confirmed: false }
            continue
          }
        }
        const opens = [...(this.thinkOpens() ? [THINK_OPEN] : []), ...(this.recoverTools ? [CALL_OPEN] : [])]
        const found = earliest(this.pending, opens)
        if (found !== null) {
          this.emit('text', this.pending.slice(0, found.at), true, out)
          this.pending = this.pending.slice(found.at + found.tag.length)
          if (found.tag === THINK_OPEN) {
            this.mode = 'think'
            this.trimStart.reasoning = true
          } else {
            this.mode = 'call'
            this.call.clear()
            this.callTail = ''
          }
          continue
        }
        const hold = final ? 0 : partialTagLength(this.pending, opens)
        this.emit('text', this.pending.slice(0, this.pending.length - hold), false, out)
        this.pending = this.pending.slice(this.pending.length - hold)
        return
      }
      if (this.mode === 'think') {
        const at = this.pending.indexOf(THINK_CLOSE)
        if (at !== -1) {
          this.emit('reasoning', this.pending.slice(0, at), true, out)
          this.pending = this.pending.slice(at + THINK_CLOSE.length)
          this.mode = 'text'
          this.leadingThink = false
          this.trimStart.text = true
          continue
        }
        const hold = final ? 0 : partialTagLength(this.pending, [THINK_CLOSE])
        this.emit('reasoning', this.pending.slice(0, this.pending.length - hold), false, out)
        this.pending = this.pending.slice(this.pending.length - hold)
        return
      }
      if (this.mode === 'call') {
        const piece = this.pending
        this.pending = ''
        const window = this.callTail + piece
        const at = window.indexOf(CALL_CLOSE)
        if (at === -1) {
          this.call.push(piece)
          this.callTail = window.slice(-(CALL_CLOSE.length - 1))
          if (this.call.length > MAX_HELD_CHARS) this.release(out)
          return
        }
        // Where the closing tag starts within this piece (negative: it began in earlier pieces).
        const cut = at - this.callTail.length
        const whole = this.call.text() + piece
        const body = whole.slice(0, whole.length - piece.length + cut)
        this.pending = piece.slice(cut + CALL_CLOSE.length)
        this.call.clear()
        this.mode = 'text'
        const calls = this.parseTaggedCall(body)
        if (calls !== null) this.emitCalls(calls, out)
        else this.emit('text', CALL_OPEN + body + CALL_CLOSE, false, out)
        this.trimStart.text = true
        continue
      }
      // 'json': a bare object (or several) that must turn out to be the whole answer.
      const piece = this.pending
      this.pending = ''
      if (!this.scanJson(piece)) {
        // Not a printed call after all: the held text is ordinary text (which may still contain tags).
        this.pending = this.jsonText.text()
        this.jsonText.clear()
        this.mode = 'text'
        this.atStart = false
        continue
      }
      if (this.jsonText.length > MAX_HELD_CHARS) this.release(out)
      return
    }
  }

  /** Whether `<think>` in the pending text opens reasoning (in 'leading' mode only as the answer's start). */
  private thinkOpens (): boolean {
    if (this.thinkTags !== 'leading') return this.thinkTags === 'always'
    if (!this.atStart) this.leadingThink = false
    const head = this.pending.trimStart()
    if (head !== '' && !head.startsWith(THINK_OPEN) && !THINK_OPEN.startsWith(head)) this.leadingThink = false
    return this.leadingThink
  }

  /**
   * Feeds one piece to the JSON scan. Returns false as soon as the text cannot be a printed tool call (an
   * object not starting with a call key, or prose after a closing brace).
   */
  private scanJson (piece: string): boolean {
    const state = this.json
    const base = this.jsonText.length
    this.jsonText.push(piece)
    for (let i = 0; i < piece.length; i++) {
      const char = piece[i]!
      if (state.depth === 0) {
        if (char === ' ' || char === '\n' || char === '\r' || char === '\t') continue
        if (char !== '{') return false
        state.objectStart = base + i
        state.depth = 1
        state.head = '{'
        state.confirmed = false
        continue
      }
      if (!state.confirmed && state.head.length < 64) state.head += char
      if (state.inString) {
        if (state.escaped) state.escaped = false
        else if (char === '\\') state.escaped = true
        else if (char === '"') state.inString = false
        continue
      }
      if (char === '"') state.inString = true
      else if (char === '{' || char === '[') state.depth++
      else if (char === '}' || char === ']') {
        state.depth--
        if (state.depth === 0) state.objects.push([state.objectStart, base + i + 1])
      }
    }
    if (state.depth > 0 && !state.confirmed) {
      // Only the first characters decide; once a call key is seen the object is just buffered.
      if (!couldStartCall(state.head)) return false
      state.confirmed = /^\{\s*"[a-z_]+"/.test(state.head)
      if (!state.confirmed && state.head.length >= 64) return false
    }
    return true
  }

  private emit (channel: Channel, raw: string, boundary: boolean, out: UpstreamPart[]): void {
    let text = raw
    if (this.trimStart[channel]) {
      text = text.trimStart()
      if (text !== '') this.trimStart[channel] = false
    }
    const body = text.trimEnd()
    const tail = text.slice(body.length)
    if (body !== '') {
      const value = this.heldSpace[channel] + body
      this.heldSpace[channel] = ''
      out.push(channel === 'text' ? { type: 'text-delta', text: value } : { type: 'reasoning-delta', text: value })
      this.lastEmitted = channel
      if (channel === 'text') this.atStart = false
    }
    this.heldSpace[channel] = boundary ? '' : this.heldSpace[channel] + tail
  }

  private emitCalls (calls: Array<{ name: string, input: unknown }>, out: UpstreamPart[]): void {
    this.heldSpace.text = ''
    for (const call of calls) out.push({ type: 'tool-call', name: call.name, input: call.input })
    this.lastEmitted = 'tool'
    this.atStart = false
    this.trimStart.text = true
  }

  /** The inside of `<tool_call>…</tool_call>`: Hermes JSON or Qwen3-Coder's `<function=…>` XML. */
  private parseTaggedCall (body: string): Array<{ name: string, input: unknown }> | null {
    const trimmed = body.trim().replace(/^```(?:json)?\s*/, '').replace(/\s*```$/, '')
    if (trimmed.startsWith('<function=')) {
      const call = parseFunctionXml(trimmed, this.tools)
      return call === null ? null : [call]
    }
    let value: unknown
    try { value = JSON.parse(trimmed) } catch { return null }
    const call = normaliseCall(value)
    return call === null ? null : [call]
  }

  /** Bare JSON: every object must be a call to a tool the request offered. */
  private parseJsonCalls (objects: string[]): Array<{ name: string, input: unknown }> | null {
    if (objects.length === 0) return null
    const calls: Array<{ name: string, input: unknown }> = []
    for (const text of objects) {
      let value: unknown
      try { value = JSON.parse(text) } catch { return null }
      const call = normaliseCall(value)
      if (call === null || !this.tools.has(call.name)) return null
      calls.push(call)
    }
    return calls
  }
}

/** The first occurrence of any tag. */
function earliest (text: string, tags: string[]): { at: number, tag: string } | null {
  let best: { at: number, tag: string } | null = null
  for (const tag of tags) {
    const at = text.indexOf(tag)
    if (at !== -1 && (best === null || at < best.at)) best = { at, tag }
  }
  return best
}

/** Length of the longest suffix of `text` that is a proper prefix of one of the tags (`<thi`, `</tool_`). */
export function partialTagLength (text: string, tags: string[]): number {
  const longest = Math.max(0, ...tags.map((tag) => tag.length - 1))
  for (let k = Math.min(longest, text.length); k > 0; k--) {
    const suffix = text.slice(text.length - k)
    if (tags.some((tag) => tag.startsWith(suffix))) return k
  }
  return 0
}

/** Whether an unfinished object can still be a printed tool call (`{"name"…`, `{ "func`…). */
function couldStartCall (object: string): boolean {
  const match = /^\{\s*("?)([a-z_]*)("?)/.exec(object)
  if (match === null) return false
  const rest = object.slice(match[0].length)
  const [, quote, key, closing] = match
  if (quote === '') return rest === '' && key === '' // only `{` and whitespace so far
  if (closing === '"') return JSON_CALL_KEYS.includes(key!)
  // Key still being typed: it must be able to become one of the call keys.
  return rest === '' && JSON_CALL_KEYS.some((candidate) => candidate.startsWith(key!))
}

/** `{name, arguments|parameters}`, `{function: {name, arguments}}`, `{type:"function", function:…}`. */
function normaliseCall (value: unknown): { name: string, input: unknown } | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const record = value as Record<string, unknown>
  const fn = record.function
  if (fn !== null && typeof fn === 'object' && !Array.isArray(fn)) return normaliseCall(fn)
  const name = typeof record.name === 'string' ? record.name : typeof fn === 'string' ? fn : typeof record.tool_name === 'string' ? record.tool_name : typeof record.tool === 'string' ? record.tool : undefined
  if (name === undefined || !/^[a-zA-Z0-9_.:-]{1,128}$/.test(name)) return null
  const args = record.arguments ?? record.parameters ?? record.input ?? {}
  if (typeof args === 'string') {
    try {
      const parsed = JSON.parse(args === '' ? '{}' : args) as unknown
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? { name, input: parsed } : null
    } catch {
      return null
    }
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return null
  return { name, input: args }
}

/**
 * Qwen3-Coder's XML call: `<function=NAME><parameter=KEY>VALUE</parameter>…</function>`. Values are text;
 * parameters the tool's schema types as number/boolean/object/array are parsed as JSON when they parse.
 */
function parseFunctionXml (body: string, tools: Map<string, ToolDefinition>): { name: string, input: unknown } | null {
  const head = /^<function=([^>\s]+)>/.exec(body)
  if (head === null) return null
  const name = head[1]!
  const properties = (tools.get(name)?.input_schema?.properties ?? {}) as Record<string, { type?: unknown }>
  const input: Record<string, unknown> = {}
  const parameter = /<parameter=([^>\s]+)>([\s\S]*?)<\/parameter>/g
  for (let match = parameter.exec(body); match !== null; match = parameter.exec(body)) {
    const key = match[1]!
    const raw = match[2]!.replace(/^\n/, '').replace(/\n$/, '')
    const type = properties[key]?.type
    const types = Array.isArray(type) ? type : [type]
    if (types.some((t) => t === 'number' || t === 'integer' || t === 'boolean' || t === 'object' || t === 'array')) {
      try {
        input[key] = JSON.parse(raw)
        continue
      } catch {}
    }
    input[key] = raw
  }
  return { name, input }
}

/** The transform for one call: tool recovery only when the request offered tools. */
export function inlineMarkupFor (request: ChatRequest): InlineMarkupRecovery {
  return new InlineMarkupRecovery({
    tools: request.tool_choice?.type === 'none' ? [] : (request.tools ?? []),
    bareJson: request.responseFormat === undefined
  })
}
