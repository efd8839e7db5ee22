import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ToolDefinition } from '@lynkr/protocol'
import { countRequestTokens } from '@lynkr/core'
import { compactDescription, compactSchema, compactTool } from './compact-tool.ts'

/** Claude Code 2.1.332's first print-mode request, as the real CLI sent it. */
const claudeCode = JSON.parse(readFileSync(new URL('../../../test/fixtures/claude-code/2.1.332-print-first-request.json', import.meta.url), 'utf8')) as { tools: ToolDefinition[] }

type Schema = { type?: string, properties?: Record<string, Schema>, required?: string[], items?: Schema, enum?: unknown[] }

describe('compactTool on Claude Code 2.1.332 tools', () => {
  for (const level of ['compact', 'minimal'] as const) {
    test(`${level}: every required property keeps its type, enum and items; nothing is invented`, () => {
      for (const tool of claudeCode.tools) {
        const original = tool.input_schema as Schema
        const compact = compactTool(tool, level).input_schema as Schema
        assert.equal(compact.type, original.type, tool.name)
        assert.deepEqual(compact.required, original.required, tool.name)
        for (const name of original.required ?? []) {
          const before = original.properties![name]!
          const after = compact.properties![name]!
          assert.equal(after.type, before.type, `${tool.name}.${name}`)
          assert.deepEqual(after.enum, before.enum, `${tool.name}.${name}`)
          assert.deepEqual(after.items?.type, before.items?.type, `${tool.name}.${name}`)
        }
        for (const name of Object.keys(compact.properties ?? {})) assert.ok(name in (original.properties ?? {}), `${tool.name}.${name}`)
        assert.ok(!('$schema' in compact), 'the $schema URL goes')
      }
    })
  }

  test('compact keeps optional properties as name and type; minimal drops them', () => {
    const bash = claudeCode.tools.find((tool) => tool.name === 'Bash')!
    assert.deepEqual((compactTool(bash, 'compact').input_schema as Schema).properties!.timeout, { type: 'number' })
    assert.deepEqual(Object.keys((compactTool(bash, 'minimal').input_schema as Schema).properties!), ['command'])
  })

  test('descriptions keep the opening and the rules that make a call fail', () => {
    const edit = claudeCode.tools.find((tool) => tool.name === 'Edit')!
    const description = compactTool(edit, 'compact').description!
    assert.match(description, /^Performs exact string replacement in a file\./)
    assert.match(description, /You must Read the file in this conversation before editing/)
    assert.match(description, /`old_string` must match the file exactly/)
    assert.equal(compactTool(edit, 'minimal').description, 'Performs exact string replacement in a file.')
  })

  test('the compact Claude Code tools cost a fraction of the originals (o200k count)', async () => {
    const before = await countRequestTokens({ messages: [], tools: claudeCode.tools })
    const after = await countRequestTokens({ messages: [], tools: claudeCode.tools.map((tool) => compactTool(tool, 'compact')) })
    assert.ok(before > 7000, `the originals: ${before}`)
    assert.ok(after < before / 3, `${after} of ${before}`)
  })

  test('a deferred tool keeps defer_loading and every other field', () => {
    const placeholder = claudeCode.tools.find((tool) => tool.defer_loading === true)!
    assert.equal(compactTool(placeholder, 'minimal').defer_loading, true)
  })
})

describe('compactDescription and compactSchema', () => {
  test('a long first paragraph is cut at a sentence end', () => {
    const text = 'First sentence here. ' + 'Second sentence goes on and on. '.repeat(20)
    const cut = compactDescription(text, 'compact')
    assert.ok(cut.length <= 300)
    assert.match(cut, /\.$/)
  })

  test('nested objects and arrays keep their required shape; bounds at MAX_SAFE_INTEGER go', () => {
    const schema = {
      type: 'object',
      properties: {
        todos: { type: 'array', description: 'The list. '.repeat(30), items: { type: 'object', properties: { content: { type: 'string', minLength: 1, description: 'x' }, status: { type: 'string', enum: ['pending', 'done'] }, note: { type: 'string', title: 'Note' } }, required: ['content', 'status'] } },
        limit: { type: 'integer', maximum: Number.MAX_SAFE_INTEGER, minimum: 1 }
      },
      required: ['todos']
    }
    assert.deepEqual(compactSchema(schema, 'compact'), {
      type: 'object',
      properties: {
        todos: { type: 'array', description: 'The list.', items: { type: 'object', properties: { content: { type: 'string', minLength: 1, description: 'x' }, status: { type: 'string', enum: ['pending', 'done'] }, note: { type: 'string' } }, required: ['content', 'status'] } },
        limit: { type: 'integer', minimum: 1 }
      },
      required: ['todos']
    })
  })
})
