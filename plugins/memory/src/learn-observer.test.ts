import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import type { TurnCompletedEvent } from '@lynkr/core'
import { migrate, openStore } from '@lynkr/storage'
import { migrations } from './schema.ts'
import { MemoryStore } from './store.ts'
import { MemoryService } from './memory.ts'
import { InjectionRecords } from './sessions.ts'
import { heuristicExtractor } from './extractor.ts'
import type { Extractor } from './extractor.ts'
import { learnObserver } from './learn-observer.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
const turn = (request: ChatRequest, answer: string): TurnCompletedEvent => ({
  requestId: 'r', purpose: 'client', request, sent: request, usage: { input_tokens: 1, output_tokens: 1 } as TurnCompletedEvent['usage'], calls: 1, decision: undefined,
  message: { id: 'm', model: 'm', role: 'assistant', content: [{ type: 'text', text: answer }], stop_reason: 'end_turn' } as unknown as TurnCompletedEvent['message'],
  session: { id: 's1', source: 'header' }, workspace: { id: '/work/app', source: 'header' } as TurnCompletedEvent['workspace'], stream: false, outcome: 'success', log: silent
})
const asking = (system: string | undefined, ...texts: string[]): ChatRequest => ({
  model: 'm', clientModel: 'm', max_tokens: 100, stream: false,
  ...(system === undefined ? {} : { system: [{ type: 'text' as const, text: system }] }),
  messages: texts.map((text, i) => ({ role: i % 2 === 0 ? 'user' as const : 'assistant' as const, content: [{ type: 'text' as const, text }] }))
})

test('Claude Code\'s compaction and title requests teach nothing: their instruction is not the user\'s, their answer repeats the conversation', async (t) => {
  const { db, handle } = openStore(':memory:')
  t.after(async () => { await db.destroy() })
  await migrate(db, 'memory', migrations)
  const memory = new MemoryService(new MemoryStore(db, handle), { retrievalLimit: 5, surpriseThreshold: 0.3, includeGlobal: true, halfLifeDays: 30, vectorWeight: 0, minSimilarity: 0 })
  const read: string[] = []
  const extractor: Extractor = { name: 'recording', extract: async (text) => { read.push(text.prompt ?? text.answer ?? ''); return await heuristicExtractor.extract(text) } }
  const observe = learnObserver({ memory, records: new InjectionRecords(db), extractor, onError: (error) => { throw error } })

  await observe(turn(asking(undefined, 'In this project we use pnpm, never npm.', 'Noted.', 'Your task is to create a detailed summary of the conversation so far, paying close attention to the user\'s explicit requests.'), 'Summary: the user uses pnpm, never npm.'))
  await observe(turn(asking('Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title.', 'We always deploy on Fridays.'), '{"isNewTopic": true, "title": "Friday deploys"}'))
  assert.deepEqual(read, [], 'the extractor never saw them')
  await observe(turn(asking(undefined, 'We always deploy on Fridays.'), 'Noted.'))
  assert.equal(read.length, 1, 'a normal prompt is read')
})
