import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { sanitizeGeminiSchema } from './sanitize-gemini-schema.ts'

// Modelled on the 12 tools Claude Code 2.1.332 sends (protocols.md A.1), with the JSON-Schema keywords
// Gemini rejects: $schema, additionalProperties, propertyNames, exclusiveMinimum/Maximum, const, oneOf,
// allOf, $ref/$defs, type arrays, non-Gemini string formats, multipleOf.
const tools = JSON.parse(readFileSync(new URL('./__fixtures__/claude-code-2.1.332-tools.json', import.meta.url), 'utf8')) as Array<{ name: string, input_schema: Record<string, unknown> }>

const ALLOWED = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum'])

function walk (schema: any, where: string, visit: (schema: any, where: string) => void): void {
  visit(schema, where)
  for (const [name, property] of Object.entries(schema.properties ?? {})) walk(property, `${where}.properties.${name}`, visit)
  if (schema.items !== undefined) walk(schema.items, `${where}.items`, visit)
  for (const [i, branch] of (schema.anyOf ?? []).entries()) walk(branch, `${where}.anyOf.${i}`, visit)
}

test('every Claude Code tool schema comes out in Gemini\'s subset', () => {
  for (const tool of tools) {
    const schema = sanitizeGeminiSchema(tool.input_schema)
    if (schema === undefined) continue
    walk(schema, tool.name, (node, where) => {
      for (const key of Object.keys(node)) assert.ok(ALLOWED.has(key), `${where}: "${key}" survived`)
      if (Array.isArray(node.enum)) assert.ok(node.enum.every((value: unknown) => typeof value === 'string'), `${where}: non-string enum`)
      if (node.properties !== undefined) assert.ok(Object.keys(node.properties).length > 0, `${where}: empty properties`)
      for (const name of node.required ?? []) assert.ok(name in (node.properties ?? {}), `${where}: required "${name}" is not a property`)
      assert.ok(node.type === undefined || typeof node.type === 'string', `${where}: type array`)
    })
  }
})

test('meaning is kept where Gemini can express it', () => {
  const byName = new Map(tools.map((tool) => [tool.name, sanitizeGeminiSchema(tool.input_schema) as any]))
  const bash = byName.get('Bash')
  assert.deepEqual(bash.required, ['command'])
  assert.equal(bash.properties.timeout.minimum, 0, 'exclusiveMinimum became a minimum')
  assert.equal(bash.properties.timeout.maximum, 600000)
  const read = byName.get('Read')
  assert.equal(read.properties.limit.minimum, 1, 'integer exclusiveMinimum 0 → minimum 1')
  assert.equal(read.properties.pages.pattern, '^\\d+(-\\d+)?$')
  const findings = byName.get('ReportFindings').properties.findings
  assert.equal(findings.type, 'array')
  assert.equal(findings.items.type, 'object', '$ref resolved from $defs')
  assert.deepEqual(findings.items.properties.severity.anyOf, [{ type: 'string', enum: ['high'] }, { type: 'string', enum: ['medium'] }, { type: 'string', enum: ['low'] }], 'oneOf of consts → anyOf of one-value enums')
  assert.deepEqual(findings.items.properties.kind, { type: 'string', enum: ['finding'] })
  assert.equal(findings.items.properties.file.format, undefined, 'uri-reference is not a Gemini format')
  assert.deepEqual(findings.items.properties.tags, { type: 'object' }, 'free-form object without propertyNames / additionalProperties')
  const status = byName.get('ListAgents').properties.status
  assert.deepEqual(status, { type: 'string', nullable: true, enum: ['running', 'completed', 'failed'] })
  const wakeup = byName.get('ScheduleWakeup')
  assert.equal(wakeup.type, 'object')
  assert.equal(wakeup.anyOf, undefined, 'constraint-only anyOf dropped from an object')
  assert.equal(wakeup.properties.at.format, 'date-time')
  assert.equal(wakeup.properties.delay_seconds.maximum, 86399)
  const workflow = byName.get('Workflow')
  assert.deepEqual(workflow.properties.mode, { type: 'string', description: 'Execution mode' }, 'allOf merged')
  assert.deepEqual(workflow.properties.steps.items.properties.payload.anyOf, [{ type: 'string' }, { type: 'object' }])
  assert.match(workflow.properties.dry_run.description, /must be false/)
  assert.equal(byName.get('Edit').properties.replace_all.default, false)
})

test('a tool without arguments has no parameters at all', () => {
  assert.equal(sanitizeGeminiSchema({ type: 'object', properties: {} }), undefined)
  assert.equal(sanitizeGeminiSchema({ type: 'object', additionalProperties: false }), undefined)
})

test('recursive $ref does not loop', () => {
  const schema = sanitizeGeminiSchema({ type: 'object', properties: { node: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' }, name: { type: 'string' } } } } }) as any
  assert.equal(schema.properties.node.properties.name.type, 'string')
  assert.equal(schema.properties.node.properties.child.type, 'object')
})
