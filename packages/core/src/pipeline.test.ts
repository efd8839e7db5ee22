import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest, PipelineStage, PipelineStep, StepContext, StepReport } from '@lynkr/protocol'
import { LynkrError, PIPELINE_STAGES } from '@lynkr/protocol'
import { Pipeline } from './pipeline.ts'

const warnings: unknown[] = []
const context: StepContext = {
  signal: new AbortController().signal,
  log: { debug () {}, info () {}, warn (obj) { warnings.push(obj) }, error () {} },
  requestId: 'req_test',
  decision: { provider: 'p', model: 'm', reason: 'default' },
  capabilities: { promptCache: 'none', local: false },
  session: { id: 's', source: 'header' },
  workspace: undefined,
  purpose: 'client'
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
  pipeline.use(step('cache', 'prompt-cache'))
  pipeline.use(step('truncate-b', 'tool-result-truncation'))
  pipeline.use(step('recall', 'recall'))
  pipeline.use(step('truncate-a', 'tool-result-truncation'))
  pipeline.use(step('history', 'history-compression'))
  pipeline.use(step('tools', 'tool-selection'))
  const expected = ['recall', 'tools', 'truncate-b', 'truncate-a', 'history', 'cache']
  assert.deepEqual(pipeline.list().map((s) => s.name), expected)
  const result = await pipeline.run(request, context)
  assert.deepEqual(result.system?.map((block) => block.text), expected)
  assert.equal(request.system, undefined, 'the input request is not mutated by these steps')
})

test('each step is awaited before the next (async steps keep the order)', async () => {
  const pipeline = new Pipeline()
  pipeline.use(step('slow-later-stage', 'prompt-cache', 0))
  pipeline.use(step('slow-first-stage', 'recall', 20))
  const result = await pipeline.run(request, context)
  assert.deepEqual(result.system?.map((block) => block.text), ['slow-first-stage', 'slow-later-stage'])
})

test('every declared stage is accepted; an unknown stage is rejected with the list of stages', () => {
  const pipeline = new Pipeline()
  for (const stage of PIPELINE_STAGES) pipeline.use(step(stage, stage))
  assert.deepEqual(pipeline.list().map((s) => s.stage), [...PIPELINE_STAGES])
  assert.throws(() => pipeline.use(step('bad', 'compaction' as PipelineStage)), /"bad" uses unknown stage "compaction"; stages are recall, tool-selection, memory-dedup, tool-result-truncation, system-prompt, history-compression, prompt-cache$/)
})

test('an empty pipeline returns the request unchanged', async () => {
  assert.equal(await new Pipeline().run(request, context), request)
})

test('a required step\'s failure is the gateway\'s: a 500 that is never retried; a step\'s own refusal keeps its status', async () => {
  const pipeline = new Pipeline()
  pipeline.use({ name: 'broken', stage: 'recall', run: () => { throw new Error('index missing') } })
  await assert.rejects(pipeline.run(request, context), (error: LynkrError) => {
    assert.equal(error.status, 500)
    assert.equal(error.origin, 'gateway')
    assert.equal(error.retryable, false)
    assert.equal(error.code, 'LYNKR_STEP_FAILED')
    assert.match(error.message, /Pipeline step "broken" \(recall\) failed: index missing/)
    return true
  })
  const refusing = new Pipeline()
  refusing.use({ name: 'guard', stage: 'system-prompt', run: () => { throw new LynkrError('invalid_request', 'no secrets in prompts', { retryable: true }) } })
  await assert.rejects(refusing.run(request, context), (error: LynkrError) => error.status === 400 && error.origin === 'gateway' && !error.retryable && error.message === 'no secrets in prompts')
})

test('an optional step fails open: the request goes on as it was, with one warning', async () => {
  const pipeline = new Pipeline()
  pipeline.use({ name: 'flaky', stage: 'recall', optional: true, run: async () => { throw new Error('store down') } })
  pipeline.use({ name: 'forgetful', stage: 'tool-selection', optional: true, run: (() => undefined) as unknown as PipelineStep['run'] })
  pipeline.use(step('after', 'history-compression'))
  warnings.length = 0
  const result = await pipeline.run(request, context)
  assert.deepEqual(result.system?.map((block) => block.text), ['after'])
  assert.equal(warnings.length, 2, 'one warning per failed optional step (a step returning nothing fails too)')
})

test('steps that change the request report tokens before and after; unchanged ones and breakpoint placement cost no count', async () => {
  const pipeline = new Pipeline()
  const long: ChatRequest = { ...request, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'line of output\n'.repeat(200) }] }] }
  pipeline.use({ name: 'noop', stage: 'recall', run: (current) => current })
  pipeline.use({ name: 'truncate', stage: 'tool-result-truncation', run: (current) => ({ ...current, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'line of output\n[199 more lines]' }] }] }) })
  pipeline.use({ name: 'mark', stage: 'prompt-cache', run: (current) => ({ ...current }) })
  const reports: StepReport[] = []
  await pipeline.run(long, context, (report) => reports.push(report))
  assert.equal(reports.length, 1)
  assert.equal(reports[0]!.step, 'truncate')
  assert.equal(reports[0]!.stage, 'tool-result-truncation')
  assert.ok(reports[0]!.tokensBefore > 400 && reports[0]!.tokensAfter < 40, `${reports[0]!.tokensBefore} → ${reports[0]!.tokensAfter}`)
})

test('prepare: the request comes back before the savings are counted; the reports follow in step order, as run counts them', async () => {
  const pipeline = new Pipeline()
  const long: ChatRequest = { ...request, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'line of output\n'.repeat(200) }] }] }
  pipeline.use({ name: 'truncate', stage: 'tool-result-truncation', run: (current) => ({ ...current, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'line of output\n[199 more lines]' }] }] }) })
  pipeline.use({ name: 'recall', stage: 'recall', run: (current) => ({ ...current, system: [{ type: 'text', text: 'The user prefers pnpm. '.repeat(20) }] }) })
  const reports: StepReport[] = []
  const prepared = await pipeline.prepare(long, context, (report) => reports.push(report))
  assert.deepEqual(prepared.request.system, [{ type: 'text', text: 'The user prefers pnpm. '.repeat(20) }])
  assert.equal(reports.length, 0, 'nothing counted yet: the request did not wait for it')
  await prepared.reported
  assert.deepEqual(reports.map((report) => report.step), ['recall', 'truncate'], 'stage order')
  assert.equal(reports[0]!.tokensAfter, reports[1]!.tokensBefore, 'the request between the two steps counted once, the same for both')
  const awaited: StepReport[] = []
  await pipeline.run(long, context, (report) => awaited.push(report))
  assert.deepEqual(awaited.map(({ tokensBefore, tokensAfter }) => [tokensBefore, tokensAfter]), reports.map(({ tokensBefore, tokensAfter }) => [tokensBefore, tokensAfter]))
})
