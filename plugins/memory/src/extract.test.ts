import { test } from 'node:test'
import assert from 'node:assert/strict'
import { extractCandidates, extractFromAnswer, isChitChat } from './extract.ts'

const kinds = (text: string): string[] => extractCandidates(text).map((candidate) => `${candidate.kind}:${candidate.scope}`)

test('preferences, decisions, project facts and first-mentioned entities are candidates, each with its scope', () => {
  assert.deepEqual(kinds('I prefer Python for scripts.'), ['preference:global'])
  assert.deepEqual(kinds('In this project we use pnpm, never npm.'), ['preference:project'])
  assert.deepEqual(kinds('We decided to use React for the dashboard.'), ['decision:project'])
  assert.deepEqual(kinds('This app uses PostgreSQL.'), ['fact:project'])
  assert.deepEqual(kinds('Take a look at src/http/retry.ts when you can'), ['entity:project']);
  assert.deepEqual(kinds('The retry logic is in src/http/retry.ts.'), ['fact:project'])
  assert.deepEqual(kinds('Remember that staging resets every Sunday.'), ['note:project'])
  assert.deepEqual(kinds('Use tabs, not spaces, in this repo.'), ['preference:project'], 'an instruction for this repo')
  assert.deepEqual(kinds('I usually write commit messages in the imperative mood.'), ['preference:global'])
  assert.deepEqual(kinds('I think the bug is in the parser, maybe.'), [], 'a hedged remark about the moment')
})

test('a turn with several statements gives one candidate per statement; the lead-in is stripped', () => {
  const candidates = extractCandidates('Thanks! This service uses Kafka. Also, remember that the API key rotates monthly.')
  assert.deepEqual(candidates.map((candidate) => candidate.content), ['This service uses Kafka.', 'The API key rotates monthly.'])
  assert.equal(candidates[1]!.explicit, true, 'a "remember" is explicit')
})

test('greetings, confirmations, questions and plain requests are not candidates', () => {
  for (const text of ['Hi!', 'hello there', 'Thanks, that works.', 'ok', 'Sounds good.', 'lgtm', 'Got it, thanks a lot.', 'Perfect.',
    'What does this function do?', 'Can you fix the failing test?', 'Please refactor the parser.']) {
    assert.deepEqual(extractCandidates(text), [], text)
  }
  assert.equal(isChitChat('Great, thanks!'), true)
  assert.equal(isChitChat('Great, the queue uses RabbitMQ'), false)
})

test('code blocks are not read as statements, and a change of mind is marked', () => {
  assert.deepEqual(extractCandidates('Look:\n```\n// we decided to use eval here\n```'), [])
  const [candidate] = extractCandidates('We switched from Redis to RabbitMQ for the job queue.')
  assert.equal(candidate!.change, true)
  assert.equal(candidate!.kind, 'decision')
})

test('the assistant\'s answer yields only plain project facts and decisions already taken, at most three', () => {
  const from = (text: string): string[] => extractFromAnswer(text).map((candidate) => `${candidate.kind}:${candidate.content}`)
  assert.deepEqual(from('Done. This service uses Kafka 3.7 for events. I\'ll update the README next.'), ['fact:This service uses Kafka 3.7 for events.'])
  assert.deepEqual(from('We switched from Jest to Vitest last month, so the config lives in vitest.config.ts.'), ['decision:We switched from Jest to Vitest last month, so the config lives in vitest.config.ts.'])
  for (const text of [
    'I prefer tabs.', // the model's taste is not the user's
    'Let\'s use Redis for the cache.', // a proposal
    'You should use pnpm here.', // advice
    'I think the API is on port 8080.', // hedged
    'The tests are passing now.', // a state of the moment
    'I updated src/app.ts and src/db.ts.', // work done in this session
    'Take a look at src/http/retry.ts.', // a file mentioned in passing
    'Is the queue on RabbitMQ?',
    'Always run the linter before committing.' // the model's rule, not the user's
  ]) assert.deepEqual(from(text), [], text)
  const many = 'The API listens on port 8080. The queue runs on RabbitMQ 3.13. Invoices are stored in PostgreSQL 15. Sessions are stored in Redis 7.'
  assert.equal(extractFromAnswer(many).length, 3)
  assert.ok(extractFromAnswer(many).every((candidate) => !candidate.explicit && candidate.scope === 'project'))
})
