import { test } from 'node:test'
import assert from 'node:assert/strict'
import { redactSecrets } from './redact-secrets.ts'

test('secret headers are censored at the top and up to two levels down; other fields and the originals stay as they are', () => {
  const line = {
    headers: { Authorization: 'Bearer sk-1', accept: '*/*' },
    upstream: { headers: { 'x-api-key': 'sk-2', 'content-type': 'application/json' }, call: { headers: { cookie: 'c=1' } } },
    deep: { a: { b: { headers: { authorization: 'left alone: three levels down' } } } },
    list: [{ headers: { authorization: 'arrays are not walked' } }],
    count: 3
  }
  const out = redactSecrets(line) as any
  assert.deepEqual(out.headers, { Authorization: '[redacted]', accept: '*/*' })
  assert.deepEqual(out.upstream.headers, { 'x-api-key': '[redacted]', 'content-type': 'application/json' })
  assert.deepEqual(out.upstream.call.headers, { cookie: '[redacted]' })
  assert.equal(out.deep, line.deep)
  assert.equal(out.count, 3)
  assert.equal(line.headers.Authorization, 'Bearer sk-1', 'the logged object is not changed')
})

test('a line without secrets is returned as is (nothing copied)', () => {
  const line = { reqId: 'r1', upstream: { status: 502, headers: { 'retry-after': '3' } } }
  assert.equal(redactSecrets(line), line)
})

test('an error carrying secret headers keeps its type, message and stack when copied', () => {
  const error = Object.assign(new Error('upstream said no'), { headers: { authorization: 'Bearer sk-3' } })
  const out = redactSecrets({ err: error }) as any
  assert.equal(out.err.headers.authorization, '[redacted]')
  assert.equal(out.err.message, 'upstream said no')
  assert.match(out.err.stack, /upstream said no/)
  assert.equal(error.headers.authorization, 'Bearer sk-3')
})
