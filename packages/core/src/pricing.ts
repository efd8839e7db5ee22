import { readFileSync } from 'node:fs'
import type { Usage } from '@lynkr/protocol'
import { LynkrConfigError } from './config-error.ts'

/**
 * USD per million tokens. `cacheRead`/`cacheWrite` price the cached and cache-creation input tokens
 * (`cacheWrite` the default 5-minute writes, `cacheWrite1h` the 1-hour ones); `webSearch` is USD per 1,000
 * web searches the upstream ran (usage.server_tool_use).
 */
export interface ModelPrice { input: number, output: number, cacheRead: number, cacheWrite: number, cacheWrite1h: number, webSearch: number }

const OPTIONAL_PRICES = ['cacheRead', 'cacheWrite', 'cacheWrite1h', 'webSearch']

const SEPARATOR = /[/.:_@\s-]/

function isPrice (value: unknown): value is Partial<ModelPrice> & { input: number, output: number } {
  const record = value as Record<string, unknown> | null
  if (record === null || typeof record !== 'object') return false
  for (const key of ['input', 'output', ...OPTIONAL_PRICES]) {
    const field = record[key]
    if (field === undefined && OPTIONAL_PRICES.includes(key)) continue
    if (typeof field !== 'number' || !Number.isFinite(field) || field < 0) return false
  }
  return true
}

/** Missing cache prices default to the input price (1-hour writes: twice it, Anthropic's rate); searches to free. */
function normalise (price: Partial<ModelPrice> & { input: number, output: number }): ModelPrice {
  return {
    input: price.input,
    output: price.output,
    cacheRead: price.cacheRead ?? price.input,
    cacheWrite: price.cacheWrite ?? price.input,
    cacheWrite1h: price.cacheWrite1h ?? price.input * 2,
    webSearch: price.webSearch ?? 0
  }
}

function readTable (entries: Record<string, unknown>, where: string, variable?: string): Map<string, ModelPrice> {
  const table = new Map<string, ModelPrice>()
  for (const [key, value] of Object.entries(entries)) {
    if (!isPrice(value)) {
      throw new LynkrConfigError(`${where}: "${key}" must be {"input": n, "output": n, "cacheRead"?: n, "cacheWrite"?: n, "cacheWrite1h"?: n} in USD per million tokens, "webSearch"?: n in USD per 1,000 searches`, variable)
    }
    table.set(key.toLowerCase(), normalise(value))
  }
  return table
}

/** The shipped table (packages/core/config/prices.json); the same relative path works from src and dist. */
export function loadPriceTable (): Map<string, ModelPrice> {
  const raw = JSON.parse(readFileSync(new URL('../config/prices.json', import.meta.url), 'utf8')) as { models: Record<string, unknown> }
  return readTable(raw.models, 'config/prices.json')
}

/** MODEL_PRICE_OVERRIDES: JSON object keyed by model id or provider:model. */
export function parsePriceOverrides (text: string | undefined): Map<string, ModelPrice> {
  if (text === undefined || text.trim() === '') return new Map()
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch (error) {
    throw new LynkrConfigError(`MODEL_PRICE_OVERRIDES is not valid JSON (${(error as Error).message}); example: {"gpt-4o":{"input":2.5,"output":10,"cacheRead":1.25}}`, 'MODEL_PRICE_OVERRIDES')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LynkrConfigError('MODEL_PRICE_OVERRIDES must be a JSON object keyed by model id or provider:model', 'MODEL_PRICE_OVERRIDES')
  }
  return readTable(parsed as Record<string, unknown>, 'MODEL_PRICE_OVERRIDES', 'MODEL_PRICE_OVERRIDES')
}

/** The longest key that appears in `model` as a whole part (bounded by separators or the ends). */
function partMatch (table: Map<string, ModelPrice>, model: string): string | undefined {
  let best: string | undefined
  for (const key of table.keys()) {
    if (key.includes(':') && !model.includes(':')) continue
    let from = 0
    while (true) {
      const at = model.indexOf(key, from)
      if (at < 0) break
      const before = at === 0 || SEPARATOR.test(model[at - 1]!)
      const end = at + key.length
      const after = end === model.length || SEPARATOR.test(model[end]!)
      if (before && after) {
        if (best === undefined || key.length > best.length) best = key
        break
      }
      from = at + 1
    }
  }
  return best
}

/** Prices usage per model: overrides first, then the shipped table; local models are free. */
export class Pricing {
  private readonly table: Map<string, ModelPrice>
  private readonly overrides: Map<string, ModelPrice>
  // A gateway prices the same few models over and over; an unknown model scanned the whole table each call.
  private readonly known = new Map<string, ModelPrice | undefined>()

  /** Providers on the user's own hardware: free unless an override says otherwise. */
  private readonly isLocal: (provider: string) => boolean

  constructor (table: Map<string, ModelPrice>, overrides: Map<string, ModelPrice> = new Map(), isLocal: (provider: string) => boolean = () => false) {
    this.table = table
    this.overrides = overrides
    this.isLocal = isLocal
  }

  priceOf (provider: string, model: string): ModelPrice | undefined {
    const key = `${provider}\u0000${model}`
    if (this.known.has(key)) return this.known.get(key)
    const price = this.lookup(provider, model)
    if (this.known.size < 1000) this.known.set(key, price)
    return price
  }

  private lookup (provider: string, model: string): ModelPrice | undefined {
    const id = model.toLowerCase()
    const pair = `${provider.toLowerCase()}:${id}`
    const override = this.overrides.get(pair) ?? this.overrides.get(id)
    if (override !== undefined) return override
    const overridePart = partMatch(this.overrides, id)
    if (this.isLocal(provider)) return overridePart === undefined ? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, webSearch: 0 } : this.overrides.get(overridePart)
    const exact = this.table.get(pair) ?? this.table.get(id)
    if (exact !== undefined) return exact
    // The more specific part wins (gpt-4o-mini over gpt-4o); on a tie the override does.
    const tablePart = partMatch(this.table, id)
    if (overridePart !== undefined && (tablePart === undefined || overridePart.length >= tablePart.length)) return this.overrides.get(overridePart)
    return tablePart === undefined ? undefined : this.table.get(tablePart)
  }

  /** USD for one call; undefined when the model has no known price. */
  cost (provider: string, model: string, usage: Usage): number | undefined {
    const price = this.priceOf(provider, model)
    if (price === undefined) return undefined
    return costFor(price, usage)
  }
}

/**
 * Input excludes cache tokens (Anthropic semantics), so the kinds add up without double counting; the 1-hour
 * share of the cache writes (when the upstream splits them) is priced at its own rate, and web searches per search.
 */
export function costFor (price: ModelPrice, usage: Usage): number {
  const writes = usage.cache_creation_input_tokens ?? 0
  const oneHour = Math.min(writes, usage.cache_creation?.ephemeral_1h_input_tokens ?? 0)
  const dollars = (usage.input_tokens * price.input +
    usage.output_tokens * price.output +
    (usage.cache_read_input_tokens ?? 0) * price.cacheRead +
    (writes - oneHour) * price.cacheWrite +
    oneHour * price.cacheWrite1h) / 1_000_000 +
    (usage.server_tool_use?.web_search_requests ?? 0) * price.webSearch / 1000
  return Math.round(dollars * 1e10) / 1e10
}
