import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallContext, ChatRequest, PipelineStage, PipelineStep } from '@lynkr/protocol'
import { PIPELINE_STAGES } from '@lynkr/protocol'
import { Pipeline } from './pipeline.ts'

const context: CallContext = {
  signal: new AbortController().signal,
  log: { debug () {}, info () {}, warn () {}, error () {} },
  requestId: 'req_test'
}

const request: ChatRequest = { model: 'm', clientModel: 'm', messages: [], max_tokens: 1, stream: false }

/** A step that records its name in the request's system blocks, so run order is observable. */
function step (name: string, stage: PipelineStage, delayMs = 0): PipelineStep {
  return {
    name,
    stage,
    run: async (current) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
      return { ...current, system: [...(current.system ?? []), { type: 'text', text: name }] }
    }
  }
}

test('stage order beats registration order; registration order breaks ties within a stage', async () => {
  const pipeline = new Pipeline()
  pipeline.use(step('headroom', 'headroom'))
  pipeline.use(step('compress-b', 'tool-result-compression'))
  pipeline.use(step('recall', 'recall'))
  pipeline.use(step('compress-a', 'tool-result-compression'))
  pipeline.use(step('cache', 'prompt-cache'))
  pipeline.use(step('history', 'history-compression'))
  const expected = ['recall', 'cache', 'history', 'compress-b', 'compress-a', 'headroom']
  assert.deepEqual(pipeline.list().map((s) => s.name), expected)
  const result = await pipeline.run(request, context)
  assert.deepEqual(result.system?.map((block) => block.text), expected)
  assert.equal(request.system, undefined, 'the input request is not mutated by these steps')
})

test('each step is awaited before the next (async steps keep the order)', async () => {
  const pipeline = new Pipeline()
  pipeline.use(step('slow-later-stage', 'headroom', 0))
  pipeline.use(step('slow-first-stage', 'recall', 20))
  const result = await pipeline.run(request, context)
  assert.deepEqual(result.system?.map((block) => block.text), ['slow-first-stage', 'slow-later-stage'])
})

test('every declared stage is accepted; an unknown stage is rejected with the list of stages', () => {
  const pipeline = new Pipeline()
  for (const stage of PIPELINE_STAGES) pipeline.use(step(stage, stage))
  assert.deepEqual(pipeline.list().map((s) => s.stage), [...PIPELINE_STAGES])
  assert.throws(() => pipeline.use(step('bad', 'compaction' as PipelineStage)), /"bad" uses unknown stage "compaction"; stages are recall, prompt-cache/)
})

test('an empty pipeline returns the request unchanged', async () => {
  assert.equal(await new Pipeline().run(request, context), request)
})
