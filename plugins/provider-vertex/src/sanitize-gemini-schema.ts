/**
 * Gemini function declarations take an OpenAPI 3.0 subset, not JSON Schema: Claude Code's tool schemas
 * (`$schema`, `additionalProperties`, `propertyNames`, `exclusiveMinimum`, `const`, `oneOf`, type arrays…)
 * make it answer 400 "Invalid JSON payload received. Unknown name …" (Appendix B #8). This rewrites a
 * schema into what Gemini accepts while keeping as much meaning as it can.
 */

type Json = Record<string, unknown>

/** Keywords Gemini's Schema object knows; everything else is removed (after the rewrites below). */
const SUPPORTED = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum'
])

/** String formats Gemini accepts; numbers keep their usual formats. */
const STRING_FORMATS = new Set(['enum', 'date-time'])
const NUMBER_FORMATS = new Set(['int32', 'int64', 'float', 'double'])
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object'])
const MAX_DEPTH = 24

function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function appendDescription (schema: Json, note: string): void {
  schema.description = typeof schema.description === 'string' && schema.description !== '' ? `${schema.description} (${note})` : note
}

function typeOfValue (value: unknown): string {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (Array.isArray(value)) return 'array'
  return 'object'
}

interface Context { defs: Json, depth: number, resolving: Set<string> }

function resolveRef (ref: string, context: Context): Json | undefined {
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)
  if (match === null || context.resolving.has(ref)) return undefined
  const target = context.defs[decodeURIComponent(match[1]!).replace(/~1/g, '/').replace(/~0/g, '~')]
  return isObject(target) ? target : undefined
}

function sanitizeNode (input: unknown, context: Context): Json {
  if (!isObject(input) || context.depth > MAX_DEPTH) return { type: 'string' }
  let schema: Json = { ...input }
  const inner: Context = { ...context, depth: context.depth + 1 }

  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, context)
    const { $ref: ref, ...rest } = schema
    if (target === undefined) return sanitizeNode({ type: 'object', ...rest }, inner)
    const resolving = new Set(context.resolving).add(ref as string)
    return sanitizeNode({ ...target, ...rest }, { ...inner, resolving })
  }

  // allOf: merge the branches (Claude Code schemas use it for mixins).
  if (Array.isArray(schema.allOf)) {
    const merged: Json = { ...schema }
    delete merged.allOf
    for (const branch of schema.allOf) {
      if (!isObject(branch)) continue
      const properties = { ...(isObject(merged.properties) ? merged.properties : {}), ...(isObject(branch.properties) ? branch.properties : {}) }
      const required = [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(branch.required) ? branch.required : [])]
      Object.assign(merged, branch, Object.keys(properties).length > 0 ? { properties } : {}, required.length > 0 ? { required: [...new Set(required)] } : {})
    }
    schema = merged
  }

  // oneOf → anyOf (the closest thing Gemini has).
  if (Array.isArray(schema.oneOf)) {
    schema.anyOf = [...(Array.isArray(schema.anyOf) ? schema.anyOf : []), ...schema.oneOf]
    delete schema.oneOf
  }

  // const → a one-value enum for strings; otherwise a note.
  if ('const' in schema) {
    const value = schema.const
    delete schema.const
    if (typeof value === 'string') {
      schema.type = 'string'
      schema.enum = [value]
    } else {
      schema.type ??= typeOfValue(value)
      appendDescription(schema, `must be ${JSON.stringify(value)}`)
    }
  }

  // exclusive bounds → inclusive ones (integers move by one).
  for (const [exclusive, inclusive, step] of [['exclusiveMinimum', 'minimum', 1], ['exclusiveMaximum', 'maximum', -1]] as const) {
    const bound = schema[exclusive]
    if (typeof bound === 'number') {
      if (schema[inclusive] === undefined) schema[inclusive] = schema.type === 'integer' ? bound + step : bound
    }
    delete schema[exclusive]
  }

  // type arrays: ["string", "null"] → string + nullable; several real types → anyOf.
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type): type is string => typeof type === 'string')
    const real = types.filter((type) => type !== 'null')
    if (types.includes('null')) schema.nullable = true
    if (real.length <= 1) schema.type = real[0] ?? 'string'
    else {
      delete schema.type
      schema.anyOf = real.map((type) => ({ type }))
    }
  } else if (schema.type === 'null') {
    schema.type = 'string'
    schema.nullable = true
  }

  // enum: Gemini takes string enums only.
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((value) => value !== null)
    if (schema.enum.length !== values.length) schema.nullable = true
    if (values.length > 0 && values.every((value) => typeof value === 'string')) {
      schema.type = 'string'
      schema.enum = values
    } else {
      delete schema.enum
      if (values.length > 0) appendDescription(schema, `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`)
    }
  }

  if (typeof schema.format === 'string') {
    const allowed = schema.type === 'string' ? STRING_FORMATS : NUMBER_FORMATS
    if (!allowed.has(schema.format)) delete schema.format
  }
  if (Array.isArray(schema.examples) && schema.example === undefined) schema.example = schema.examples[0]

  const out: Json = {}
  for (const [key, value] of Object.entries(schema)) {
    if (!SUPPORTED.has(key)) continue
    switch (key) {
      case 'properties': {
        if (!isObject(value)) break
        const properties: Json = {}
        for (const [name, property] of Object.entries(value)) properties[name] = sanitizeNode(property, inner)
        out.properties = properties
        break
      }
      case 'items':
        out.items = sanitizeNode(Array.isArray(value) ? value[0] : value, inner)
        break
      case 'anyOf':
        if (Array.isArray(value)) out.anyOf = value.map((branch) => sanitizeNode(branch, inner))
        break
      case 'type':
        if (typeof value === 'string' && TYPES.has(value)) out.type = value
        break
      case 'required':
        if (Array.isArray(value)) out.required = value.filter((name) => typeof name === 'string')
        break
      case 'default':
      case 'example':
        // Gemini types these as Value; a default of the wrong type is a 400, so keep only simple ones.
        if (value === null || typeof value !== 'object') out[key] = value
        break
      default:
        out[key] = value
    }
  }
  if (Array.isArray(out.anyOf)) {
    // Constraint-only branches (`anyOf: [{required: [a]}, {required: [b]}]`) mean nothing to Gemini; an object
    // with properties keeps its shape and loses the alternatives.
    const branches = (out.anyOf as Json[]).filter((branch) => Object.keys(branch).some((key) => key !== 'description'))
    if (branches.length === 0 || isObject(out.properties)) delete out.anyOf
    else {
      out.anyOf = branches
      delete out.type
    }
  }
  if (out.type === undefined && out.anyOf === undefined) {
    if (isObject(out.properties)) out.type = 'object'
    else if (out.items !== undefined) out.type = 'array'
  }
  if (out.type === 'array' && out.items === undefined) out.items = { type: 'string' }
  // An OBJECT must list its properties: a free-form object keeps its type without an empty `properties`.
  if (isObject(out.properties) && Object.keys(out.properties).length === 0) delete out.properties
  if (Array.isArray(out.required)) {
    const known = isObject(out.properties) ? out.properties : {}
    out.required = (out.required as string[]).filter((name) => name in known)
    if ((out.required as string[]).length === 0) delete out.required
  }
  return out
}

/**
 * A tool's input schema as Gemini `parameters`, or undefined when the tool takes no arguments (Gemini
 * rejects an OBJECT without properties at the top level; a declaration without parameters is valid).
 */
export function sanitizeGeminiSchema (schema: unknown): Json | undefined {
  if (!isObject(schema)) return undefined
  const defs = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...(isObject(schema.$defs) ? schema.$defs : {}) }
  const out = sanitizeNode(schema, { defs, depth: 0, resolving: new Set() })
  if (out.type === 'object' && !isObject(out.properties)) return undefined
  return out
}
