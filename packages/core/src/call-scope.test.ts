import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LynkrError } from '@lynkr/protocol'
import { CallScope, clientClosedError } from './call-scope.ts'

test('attempt controllers follow the call: the client leaving aborts every running attempt with a 499 reason', () => {
  const scope = new CallScope()
  const first = scope.follow()
  const second = scope.follow()
  assert.equal(scope.aborted, false)
  scope.abort(clientClosedError())
  assert.ok(first.signal.aborted && second.signal.aborted)
  assert.equal((first.signal.reason as LynkrError).status, 499)
  assert.equal(scope.clientClosed, true)
  // A follower made after the abort starts aborted, with the same reason.
  assert.equal(scope.follow().signal.reason, scope.reason)
})

test('an attempt aborted alone (a policy timeout) leaves the call and later attempts running', () => {
  const scope = new CallScope()
  const timedOut = scope.follow()
  timedOut.abort(new LynkrError('timeout', 'slow', { status: 504 }))
  scope.release(timedOut)
  const retry = scope.follow()
  assert.equal(scope.aborted, false)
  assert.equal(retry.signal.aborted, false)
})

test('shutdown is not the client leaving: the call aborts, clientClosed stays false so the client gets an error event', () => {
  const scope = new CallScope()
  const attempt = scope.follow()
  scope.abort(new LynkrError('overloaded', 'shutting down', { status: 503, code: 'LYNKR_SHUTTING_DOWN' }))
  assert.ok(attempt.signal.aborted)
  assert.equal(scope.clientClosed, false)
  // The second abort does not replace the first reason.
  scope.abort(clientClosedError())
  assert.equal((scope.reason as LynkrError).code, 'LYNKR_SHUTTING_DOWN')
})

test('the call-level signal is made on demand and aborts with the call', () => {
  const scope = new CallScope()
  const signal = scope.signal
  assert.equal(scope.signal, signal, 'one signal per call')
  scope.abort(clientClosedError())
  assert.ok(signal.aborted)
  const late = new CallScope()
  late.abort(clientClosedError())
  assert.ok(late.signal.aborted, 'asked for after the abort: already aborted')
})

test('a released attempt is no longer aborted with the call', () => {
  const scope = new CallScope()
  const finished = scope.follow()
  scope.release(finished)
  scope.abort(clientClosedError())
  assert.equal(finished.signal.aborted, false)
})
