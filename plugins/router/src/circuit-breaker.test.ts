import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CircuitBreakers } from './circuit-breaker.ts'

test('closed → open after N consecutive failures → half-open after the cooldown → closed on a good probe', () => {
  let now = 1000
  const changes: string[] = []
  const breakers = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 500, now: () => now, onChange: (p, s, prev) => changes.push(`${p}:${prev}->${s}`) })
  breakers.failure('a')
  breakers.success('a') // a success resets the count: failures must be consecutive
  breakers.failure('a')
  breakers.failure('a')
  assert.equal(breakers.state('a'), 'closed')
  breakers.failure('a')
  assert.equal(breakers.state('a'), 'open')
  const refused = breakers.acquire('a')
  assert.equal(refused.allowed, false)
  assert.equal(!refused.allowed && refused.retryInMs, 500)
  assert.equal(breakers.acquire('b').allowed, true, 'circuits are per provider')

  now += 500
  const probe = breakers.acquire('a')
  assert.deepEqual(probe, { allowed: true, probe: true })
  assert.equal(breakers.state('a'), 'half_open')
  assert.equal(breakers.acquire('a').allowed, false, 'one probe at a time')
  breakers.success('a')
  assert.equal(breakers.state('a'), 'closed')
  assert.deepEqual(changes, ['a:closed->open', 'a:open->half_open', 'a:half_open->closed'])
})

test('a failed probe opens the circuit again for another cooldown; a probe that proved nothing frees the slot', () => {
  let now = 0
  const breakers = new CircuitBreakers({ failureThreshold: 1, cooldownMs: 100, now: () => now })
  breakers.failure('x')
  now = 100
  assert.equal(breakers.acquire('x').allowed, true)
  breakers.failure('x')
  assert.equal(breakers.state('x'), 'open')
  now = 150
  assert.equal(breakers.acquire('x').allowed, false)
  now = 200
  assert.equal(breakers.acquire('x').allowed, true)
  breakers.release('x') // e.g. the client went away
  assert.equal(breakers.state('x'), 'half_open')
  assert.equal(breakers.acquire('x').allowed, true, 'the next request may probe')
  assert.deepEqual(breakers.snapshot(['x', 'y']).y, { state: 'closed', consecutiveFailures: 0, opens: 0 })
  assert.equal(breakers.snapshot(['x']).x!.opens, 2)
})

test('threshold 0 disables breakers', () => {
  const breakers = new CircuitBreakers({ failureThreshold: 0, cooldownMs: 100 })
  for (let i = 0; i < 10; i++) breakers.failure('z')
  assert.equal(breakers.acquire('z').allowed, true)
  assert.equal(breakers.state('z'), 'closed')
})
