import type { ToolDefinition } from '@lynkr/protocol'

/**
 * How far a tool definition is shortened: `compact` keeps the first paragraph of the description, the
 * rules it states as musts, and every property (descriptions only on required ones); `minimal` keeps the
 * first sentence and the required properties only.
 */
export type CompactLevel = 'compact' | 'minimal'

const SUMMARY_CHARS: Record<CompactLevel, number> = { compact: 300, minimal: 160 }
const RULE_CHARS = 180
const RULES_TOTAL_CHARS = 360
const PROPERTY_DESCRIPTION_CHARS = 100
/** Bullet lines worth keeping: what makes a call fail. */
const RULE = /\b(must|never|fails?)\b/i

/** Cuts at the last sentence end within `max` characters, else at a word boundary with an ellipsis. */
export function shorten (text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= max) return flat
  const head = flat.slice(0, max)
  const sentence = head.lastIndexOf('. ')
  if (sentence >= max / 3) return head.slice(0, sentence + 1)
  const space = head.lastIndexOf(' ')
  return (space > max / 2 ? head.slice(0, space) : head) + '…'
}

function firstSentence (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const end = flat.search(/[.!?](\s|$)/)
  return end === -1 ? flat : flat.slice(0, end + 1)
}

/** The description's first paragraph, then (compact) the bullet rules that say what a call must do. */
export function compactDescription (description: string, level: CompactLevel): string {
  const text = description.replace(/\r\n?/g, '\n').trim()
  const [first = '', ...rest] = text.split(/\n\s*\n/)
  if (level === 'minimal') return shorten(firstSentence(first), SUMMARY_CHARS.minimal)
  const summary = shorten(first, SUMMARY_CHARS.compact)
  const rules: string[] = []
  let total = 0
  for (const line of rest.join('\n').split('\n')) {
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line)?.[1]
    if (bullet === undefined || !RULE.test(bullet)) continue
    const rule = firstSentence(bullet)
    if (rule.length > RULE_CHARS || total + rule.length > RULES_TOTAL_CHARS) continue
    rules.push(`- ${rule}`)
    total += rule.length
  }
  return rules.length === 0 ? summary : `${summary}\n${rules.join('\n')}`
}

type Schema = Record<string, unknown>
const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Keywords that shape a valid call; everything else (titles, examples, defaults, $schema) goes. */
const KEPT = new Set(['type', 'enum', 'const', 'required', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', '$ref'])
/** Zod's "no upper bound" (Number.MAX_SAFE_INTEGER) says nothing to the model. */
const NO_BOUND = Number.MAX_SAFE_INTEGER

/**
 * A JSON schema with what a model needs to produce a valid call: every required property with its type
 * (and enums, items, nested objects), optional properties as names and types (`compact`) or not at all
 * (`minimal`), short descriptions on required properties only.
 */
export function compactSchema (schema: Schema, level: CompactLevel, describe = false): Schema {
  const out: Schema = {}
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [])
  for (const [key, value] of Object.entries(schema)) {
    if (KEPT.has(key)) {
      if ((key === 'maximum' || key === 'exclusiveMaximum') && typeof value === 'number' && value >= NO_BOUND) continue
      out[key] = value
    } else if (key === 'description' && describe && typeof value === 'string') {
      out.description = shorten(firstSentence(value), PROPERTY_DESCRIPTION_CHARS)
    } else if (key === 'additionalProperties') {
      out[key] = isSchema(value) ? compactSchema(value, level) : value
    } else if (key === 'items' && isSchema(value)) {
      out[key] = compactSchema(value, level)
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((item) => isSchema(item) ? compactSchema(item, level) : item)
    } else if ((key === '$defs' || key === 'definitions') && isSchema(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, isSchema(item) ? compactSchema(item, level) : item]))
    } else if (key === 'properties' && isSchema(value)) {
      const properties: Schema = {}
      for (const [name, property] of Object.entries(value)) {
        const isRequired = required.has(name)
        if (!isRequired && level === 'minimal') continue
        properties[name] = isSchema(property) ? compactSchema(property, level, isRequired) : property
      }
      out[key] = properties
    }
  }
  return out
}

/** The tool with a compact description and schema; every other field (defer_loading, strict…) kept. */
export function compactTool (tool: ToolDefinition, level: CompactLevel): ToolDefinition {
  if (!isSchema(tool.input_schema)) return tool
  const compact: ToolDefinition = { ...tool, input_schema: compactSchema(tool.input_schema, level) }
  if (typeof tool.description === 'string') compact.description = compactDescription(tool.description, level)
  return compact
}
