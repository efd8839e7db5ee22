import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Candidate } from './extract.ts'
import { contradicts, judge, specificity } from './surprise.ts'

const candidate = (content: string, extra: Partial<Candidate> = {}): Candidate => ({ kind: 'fact', content, scope: 'project', explicit: false, change: false, ...extra })

test('a near-copy of a stored memory is a duplicate, not stored again', () => {
  const verdict = judge(candidate('This app uses PostgreSQL 15 for invoices.'), [{ id: 7, kind: 'fact', content: 'This app uses PostgreSQL 15 for the invoices.' }], 0.3)
  assert.equal(verdict.store, false)
  assert.equal(verdict.duplicateOf, 7)
})

test('novel and specific beats vague and familiar', () => {
  const neighbours = [{ id: 1, kind: 'fact', content: 'The app uses a database.' }]
  const specific = judge(candidate('The API listens on port 8080 behind nginx 1.25.'), neighbours, 0.3)
  const vague = judge(candidate('The app uses a database too.'), neighbours, 0.3)
  assert.ok(specific.surprise > vague.surprise, `${specific.surprise} > ${vague.surprise}`)
  assert.ok(specific.importance > vague.importance)
  assert.ok(specificity('port 8080 in src/main.go') > specificity('it is a nice thing'))
})

test('a superseding fact retires the old one; an unrelated change does not', () => {
  const old = { id: 3, kind: 'fact', content: 'This app uses Redis for the job queue.' }
  const switched = candidate('We switched from Redis to RabbitMQ for the job queue.', { kind: 'decision', change: true })
  assert.equal(contradicts(switched, old), true)
  assert.deepEqual(judge(switched, [old], 0.3).supersedes, [3])
  assert.equal(contradicts(candidate('We moved the docs to a wiki.', { change: true }), old), false)
  assert.equal(contradicts(candidate('Tests use Vitest, not Jest.'), { id: 4, kind: 'fact', content: 'Tests use Jest.' }), true, 'a negated name supersedes')
})

test('the threshold never silently drops an explicit statement (only a repeat)', () => {
  const neighbours = [{ id: 1, kind: 'preference', content: 'I prefer tabs over spaces in Go code.' }]
  const explicit = judge(candidate('I prefer tabs.', { kind: 'preference', explicit: true }), neighbours, 0.99)
  assert.equal(explicit.store, true)
  const implicit = judge(candidate('The app has tabs.'), [], 0.99)
  assert.equal(implicit.store, false)
})
