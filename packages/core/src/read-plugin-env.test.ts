import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Type } from 'typebox'
import { LynkrConfigError } from './config-error.ts'
import { readPluginEnv } from './read-plugin-env.ts'

const schema = Type.Object({
  DEMO_ENDPOINT: Type.String({ default: 'http://localhost:11434' }),
  DEMO_NUM_CTX: Type.Integer({ default: 65536, minimum: 2048 }),
  DEMO_STREAM: Type.Boolean({ default: true }),
  DEMO_RATIO: Type.Number({ default: 0.5 }),
  DEMO_MODE: Type.Optional(Type.String({ enum: ['fast', 'slow'] })),
  DEMO_KEY: Type.Optional(Type.String())
})

function rejects (env: Record<string, string | undefined>, ...fragments: RegExp[]): void {
  assert.throws(() => readPluginEnv(schema, env, 'provider-demo'), (error) => {
    assert.ok(error instanceof LynkrConfigError, String(error))
    assert.match(error.message, /^provider-demo: /, 'names the plugin')
    for (const fragment of fragments) assert.match(error.message, fragment)
    return true
  })
}

describe('readPluginEnv', () => {
  test('defaults fill every unset variable', () => {
    assert.deepEqual(readPluginEnv(schema, {}, 'provider-demo'), {
      DEMO_ENDPOINT: 'http://localhost:11434', DEMO_NUM_CTX: 65536, DEMO_STREAM: true, DEMO_RATIO: 0.5
    })
  })

  test('strings are coerced to the schema types', () => {
    const env = readPluginEnv(schema, { DEMO_NUM_CTX: '131072', DEMO_STREAM: 'false', DEMO_RATIO: '1.25', DEMO_MODE: 'slow', DEMO_KEY: 'k' }, 'provider-demo')
    assert.equal(env.DEMO_NUM_CTX, 131072)
    assert.equal(env.DEMO_STREAM, false)
    assert.equal(env.DEMO_RATIO, 1.25)
    assert.equal(env.DEMO_MODE, 'slow')
    assert.equal(env.DEMO_KEY, 'k')
  })

  test('empty strings count as unset; other variables are not returned', () => {
    const env = readPluginEnv(schema, { DEMO_NUM_CTX: '', PATH: '/usr/bin', OPENAI_API_KEY: 'secret', DEMO_KEY: undefined }, 'provider-demo')
    assert.equal(env.DEMO_NUM_CTX, 65536)
    assert.deepEqual(Object.keys(env).sort(), ['DEMO_ENDPOINT', 'DEMO_NUM_CTX', 'DEMO_RATIO', 'DEMO_STREAM'])
  })

  test('the schema passed in is not mutated ', () => {
    const before = JSON.stringify(schema)
    readPluginEnv(schema, { DEMO_NUM_CTX: '4096' }, 'provider-demo')
    assert.equal(JSON.stringify(schema), before)
  })

  test('errors name the plugin, the variable (also as error.variable, for doctor\'s fix line) and the value given', () => {
    rejects({ DEMO_NUM_CTX: 'lots' }, /DEMO_NUM_CTX="lots" must be an integer/)
    rejects({ DEMO_NUM_CTX: '1024' }, /DEMO_NUM_CTX="1024" must be >= 2048/)
    rejects({ DEMO_STREAM: 'maybe' }, /DEMO_STREAM="maybe" must be a boolean \(true or false\)/)
    rejects({ DEMO_MODE: 'medium' }, /DEMO_MODE="medium" is not allowed; valid values: fast, slow/)
    assert.throws(() => readPluginEnv(schema, { DEMO_RATIO: 'half' }, 'provider-demo'), (error) => error instanceof LynkrConfigError && error.variable === 'DEMO_RATIO')
    // A credential's value is never echoed.
    const keyed = Type.Object({ DEMO_API_KEY: Type.String({ minLength: 10 }) })
    assert.throws(() => readPluginEnv(keyed, { DEMO_API_KEY: 'sk-short' }, 'svc'), (error) => error instanceof LynkrConfigError && /^svc: DEMO_API_KEY must/.test(error.message) && !error.message.includes('sk-short'))
  })

  test('a union of literals is one line listing its values, not one error per member', () => {
    const union = Type.Object({ DEMO_FORMAT: Type.Union([Type.Literal('plain'), Type.Literal('system')], { default: 'plain' }) })
    assert.throws(() => readPluginEnv(union, { DEMO_FORMAT: 'weird' }, 'svc'), (error) => {
      assert.ok(error instanceof LynkrConfigError)
      assert.equal(error.message, 'svc: DEMO_FORMAT="weird" is not allowed; valid values: plain, system')
      assert.equal(error.variable, 'DEMO_FORMAT')
      return true
    })
  })

  test('a missing required variable is named', () => {
    const required = Type.Object({ DEMO_REQUIRED: Type.String() })
    assert.throws(() => readPluginEnv(required, {}, 'svc'), (error) => error instanceof LynkrConfigError && error.message === 'svc: DEMO_REQUIRED is required' && error.variable === 'DEMO_REQUIRED')
  })
})
