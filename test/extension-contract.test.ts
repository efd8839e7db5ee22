/**
 * The extension contract, as a plugin author uses it: test plugins passed to the gateway like an embedder
 * would, exercised through both front doors, streamed and not, with the official clients parsing every
 * answer. A step sees the route decision, the model's capabilities, the session and the workspace; an
 * observer gets the final message once the client has it; a throwing step is the gateway's error (not
 * retried, the provider's breaker stays closed); an internal call is labelled in /metrics; the guide's
 * examples (docs/examples) are loaded here too.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { request } from 'undici'
import { fp, defineManifest, Type } from 'lynkr'
import type { LynkrPluginModule, PipelineStep, StepContext, TurnCompletedEvent } from 'lynkr'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'
import { openAIEnv, startGateway, type TestGateway } from './helpers/gateway.ts'
import { sampleValue, scrape } from './helpers/prometheus.ts'
import truncatePlugin, { manifest as truncateManifest } from '../docs/examples/truncate-step.ts'
import answerLogPlugin, { manifest as answerLogManifest } from '../docs/examples/answer-log-observer.ts'

interface Seen { decision: StepContext['decision'], capabilities: StepContext['capabilities'], session: StepContext['session'], workspace: StepContext['workspace'], purpose: string, lastUser: string }

const seen: Seen[] = []
const turns: TurnCompletedEvent[] = []
const turnWaiters: Array<() => void> = []
let throwingRuns = 0
/** While set, observers hang: the client's answer must not wait for them. */
let holdObservers: Promise<void> | undefined

const lastUserText = (messages: Array<{ role: string, content: Array<{ type: string, text?: string }> }>): string =>
  messages.filter((m) => m.role === 'user').at(-1)?.content.map((b) => b.text ?? '').join('') ?? ''

/** Records what it was told and adds a recalled memory (so the recall stage adds tokens). */
const probeStep: PipelineStep = {
  name: 'context-probe',
  stage: 'recall',
  run: (chat, context) => {
    seen.push({ decision: context.decision, capabilities: context.capabilities, session: context.session, workspace: context.workspace, purpose: context.purpose, lastUser: lastUserText(chat.messages) })
    return { ...chat, system: [...(chat.system ?? []), { type: 'text', text: 'Recalled: the user prefers short answers and TypeScript examples.' }] }
  }
}

/** What a later stage saw: the request as the earlier steps left it, and as the client sent it. */
const later: Array<{ system: string, clientSystem: string | undefined }> = []
const systemText = (system: Array<{ text: string }> | undefined): string => (system ?? []).map((block) => block.text).join('\n')

const throwingStep: PipelineStep = {
  name: 'explosive',
  stage: 'system-prompt',
  run: (chat, context) => {
    later.push({ system: systemText(chat.system), clientSystem: context.clientRequest === undefined ? undefined : systemText(context.clientRequest.system) })
    if (!lastUserText(chat.messages).includes('explode')) return chat
    throwingRuns++
    throw new Error('the step blew up')
  }
}

const flakyStep: PipelineStep = {
  name: 'flaky',
  stage: 'memory-dedup',
  optional: true,
  run: (chat) => {
    if (lastUserText(chat.messages).includes('flaky')) throw new Error('memory store unavailable')
    return chat
  }
}

const contractPlugin: LynkrPluginModule = {
  default: fp(async (app) => {
    app.lynkr.pipeline.use(probeStep)
    app.lynkr.pipeline.use(throwingStep)
    app.lynkr.pipeline.use(flakyStep)
    app.lynkr.events.on('turn-completed', async (turn) => {
      turns.push(turn)
      for (const wake of turnWaiters.splice(0)) wake()
      if (holdObservers !== undefined) await holdObservers
    })
  }, { name: 'contract-test-plugin', decorators: { fastify: ['lynkr'] } }),
  manifest: defineManifest({ kind: 'pipeline', env: Type.Object({}), toOptions: () => ({}) })
}

const logged: Array<{ session: string, workspace?: string, provider?: string, answer: string }> = []

async function nextTurn (count: number): Promise<TurnCompletedEvent> {
  const deadline = Date.now() + 30_000
  while (turns.length < count) {
    if (Date.now() > deadline) throw new Error(`no turn-completed event #${count}`)
    await new Promise<void>((resolve) => { turnWaiters.push(resolve); setTimeout(resolve, 500).unref() })
  }
  return turns[count - 1]!
}

describe('extension contract through both front doors', () => {
  let fake: FakeUpstream
  let gateway: TestGateway
  let anthropic: Anthropic
  let openai: OpenAI

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    gateway = await startGateway(openAIEnv(fake.url, { TRUNCATE_TOOL_RESULTS: '200', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2', ANSWER_LOG_ENABLED: 'true' }), {
      plugins: [
        contractPlugin,
        { default: truncatePlugin, manifest: truncateManifest },
        { default: answerLogPlugin, manifest: { ...answerLogManifest, toOptions: () => ({ record: (entry: typeof logged[number]) => { logged.push(entry) } }) } }
      ]
    })
    anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0, defaultHeaders: { 'x-claude-code-session-id': 'cc-session-1' } })
    openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'k', maxRetries: 0 })
  })
  after(async () => { await gateway.close(); await fake.close() })

  test('the embedder\'s plugins joined the composition', () => {
    for (const id of ['contract-test-plugin', 'lynkr-truncate-step', 'lynkr-answer-log']) assert.ok(gateway.app.lynkr.plugins.includes(id), `${id} loaded`)
    assert.deepEqual(gateway.app.lynkr.pipeline.list().map((step) => step.stage), ['recall', 'memory-dedup', 'tool-result-truncation', 'system-prompt', 'prompt-cache'])
  })

  test('Anthropic SDK, not streamed: the step sees decision, capabilities, session and workspace; the observer gets the message', async () => {
    const before = turns.length
    fake.respondWith({ text: 'Short answer.', usage: { input: 40, output: 3 } })
    const message = await anthropic.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 512,
      system: 'You are Claude Code.\n<env>\nWorking directory: /home/dev/project\nPlatform: linux\n</env>',
      messages: [{ role: 'user', content: 'hello there' }]
    })
    assert.deepEqual(message.content, [{ type: 'text', text: 'Short answer.' }])
    const step = seen.at(-1)!
    assert.equal(step.lastUser, 'hello there')
    assert.deepEqual([step.decision.provider, step.decision.model, step.decision.reason], ['openai', 'gpt-4o-mini', 'default'])
    assert.equal(step.capabilities.promptCache, 'automatic-prefix')
    assert.equal(step.capabilities.local, false)
    assert.equal(step.capabilities.contextWindow, 128_000, 'the same number the model-limit code fits requests to')
    assert.equal(step.capabilities.cacheReadPriceRatio, 0.5, 'gpt-4o-mini reads its prefix cache at half price (price table)')
    assert.deepEqual(step.session, { id: 'cc-session-1', source: 'header' })
    assert.deepEqual(step.workspace, { id: '/home/dev/project', source: 'system-prompt' })
    assert.equal(step.purpose, 'client')
    assert.match(JSON.stringify(fake.requests.at(-1)!.body.messages[0]), /Recalled: the user prefers short answers/, 'the step\'s rewrite went upstream')
    // A later step sees the rewrite, and the request as the client sent it (what a step compares its savings with).
    assert.match(later.at(-1)!.system, /Recalled: the user prefers short answers/)
    assert.equal(later.at(-1)!.clientSystem, 'You are Claude Code.\n<env>\nWorking directory: /home/dev/project\nPlatform: linux\n</env>')

    const turn = await nextTurn(before + 1)
    assert.equal(turn.stream, false)
    assert.equal(turn.outcome, 'success')
    assert.deepEqual(turn.message?.content, [{ type: 'text', text: 'Short answer.' }])
    assert.equal(turn.usage.output_tokens, 3)
    assert.equal(turn.decision?.provider, 'openai')
    assert.equal(turn.session.id, 'cc-session-1')
    assert.equal(turn.workspace?.id, '/home/dev/project')
    assert.ok(turn.sent?.system?.some((block) => block.text.startsWith('Recalled:')), 'the request as the provider got it, after the steps')
    assert.ok(!(turn.request.system ?? []).some((block) => block.text.startsWith('Recalled:')), 'and the request as the client sent it')
    assert.equal(turn.calls, 1)
  })

  test('Anthropic SDK, streamed: the observer receives the assembled final message after the stream, and never delays it', async () => {
    const before = turns.length
    let release: () => void = () => {}
    holdObservers = new Promise<void>((resolve) => { release = resolve })
    try {
      fake.respondWith({ text: 'Streaming answer in several pieces.', usage: { input: 50, output: 6 } })
      const final = await anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 512, messages: [{ role: 'user', content: 'stream it' }] }).finalMessage()
      assert.deepEqual(final.content, [{ type: 'text', text: 'Streaming answer in several pieces.' }])
      const turn = await nextTurn(before + 1)
      assert.equal(turn.stream, true)
      assert.deepEqual(turn.message?.content, final.content, 'the observer sees what the client saw')
      assert.equal(turn.message?.id, final.id)
      assert.equal(turn.usage.output_tokens, 6)
      // The observer of the first turn is still holding: the next call is answered all the same.
      fake.respondWith({ text: 'Still answered.' })
      const next = await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'again' }] })
      assert.deepEqual(next.content, [{ type: 'text', text: 'Still answered.' }])
    } finally {
      holdObservers = undefined
      release()
    }
    assert.ok(logged.some((entry) => entry.answer === 'Streaming answer in several pieces.' && entry.session === 'cc-session-1' && entry.provider === 'openai'), 'the guide\'s observer example logged it')
  })

  test('OpenAI SDK, chat completions streamed and not: a session from the conversation\'s start, a workspace header', async () => {
    const workspaceHeader = { headers: { 'x-lynkr-workspace': 'acme/api' } }
    fake.respondWith({ text: 'First.' })
    const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'open a session' }] }, workspaceHeader)
    assert.equal(first.choices[0]!.message.content, 'First.')
    const a = seen.at(-1)!
    assert.equal(a.session.source, 'hash')
    assert.deepEqual(a.workspace, { id: 'acme/api', source: 'header' })

    const before = turns.length
    fake.respondWith({ text: 'Second, streamed.' })
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'open a session' }, { role: 'assistant', content: 'First.' }, { role: 'user', content: 'continue' }]
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    assert.equal(text, 'Second, streamed.')
    const b = seen.at(-1)!
    assert.equal(b.session.id, a.session.id, 'the same conversation hashes to the same session on every turn')
    assert.equal(b.session.source, 'hash')
    const turn = await nextTurn(before + 1)
    assert.equal(turn.stream, true)
    assert.deepEqual(turn.message?.content, [{ type: 'text', text: 'Second, streamed.' }])
    assert.equal(turn.session.id, a.session.id)
  })

  test('OpenAI SDK, Responses: previous_response_id joins the earlier answer\'s session', async () => {
    fake.respondWith({ text: 'Turn one.' })
    const one = await openai.responses.create({ model: 'gpt-4o-mini', input: 'remember the number 7' })
    const first = seen.at(-1)!
    fake.respondWith({ text: 'Turn two.' })
    const stream = await openai.responses.create({ model: 'gpt-4o-mini', input: 'what was it?', previous_response_id: one.id, stream: true })
    for await (const _event of stream) { /* drain */ }
    const second = seen.at(-1)!
    assert.equal(second.session.source, 'response-chain')
    assert.equal(second.session.id, first.session.id)
  })

  test('an optional step that throws fails open: the request goes on unchanged', async () => {
    fake.respondWith({ text: 'Fine anyway.' })
    const message = await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'flaky memory' }] })
    assert.deepEqual(message.content, [{ type: 'text', text: 'Fine anyway.' }])
  })

  test('a throwing step is the gateway\'s error: 500 in each client\'s shape, never retried, upstream untouched, the breaker stays closed', async () => {
    const upstreamCalls = fake.requests.length
    for (let i = 0; i < 3; i++) {
      await assert.rejects(anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'please explode' }] }), (error: InstanceType<typeof Anthropic.APIError>) => {
        assert.equal(error.status, 500)
        const body = (error.error as { error: { type: string, message: string } }).error
        assert.equal(body.type, 'api_error')
        assert.equal(body.message, 'Pipeline step "explosive" (system-prompt) failed: the step blew up')
        return true
      })
    }
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'explode now' }] }), (error: InstanceType<typeof OpenAI.APIError>) => error.status === 500 && /explosive/.test(error.message))
    assert.equal(throwingRuns, 4, 'each failing request ran the step once: no retry')
    assert.equal(fake.requests.length, upstreamCalls, 'the provider was never called')
    const ready = await (await request(`${gateway.url}/health/ready`)).body.json() as { circuitBreakers: Record<string, { state: string, consecutiveFailures: number }> }
    assert.equal(ready.circuitBreakers.openai!.state, 'closed')
    assert.equal(ready.circuitBreakers.openai!.consecutiveFailures, 0)
    fake.respondWith({ text: 'Healthy.' })
    const ok = await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'are you there' }] })
    assert.deepEqual(ok.content, [{ type: 'text', text: 'Healthy.' }])
  })

  test('savings per stage in /metrics: the truncation step\'s cut and the recall step\'s addition', async () => {
    fake.respondWith({ text: 'Read it.' })
    await anthropic.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'read the log' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'app.log' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'GET /health 200 in 3 ms\n'.repeat(300) }] }
      ]
    })
    const sent = JSON.stringify(fake.requests.at(-1)!.body.messages)
    assert.match(sent, /characters cut by lynkr/)
    const { families } = await scrape(gateway.url)
    const cut = sampleValue(families, 'lynkr_tokens_saved_total', { stage: 'tool-result-truncation', provider: 'openai', model: 'gpt-4o-mini' })
    assert.ok(cut !== undefined && cut > 1000, `tool-result-truncation saved ${cut}`)
    const recalled = sampleValue(families, 'lynkr_tokens_added_total', { stage: 'recall', provider: 'openai', model: 'gpt-4o-mini' })
    assert.ok(recalled !== undefined && recalled > 0, `recall added ${recalled}`)
  })

  test('an internal call goes through routing and the call policy, runs no client step, and is labelled in /metrics', async () => {
    const stepsBefore = seen.length
    fake.respondWith({ text: 'A summary.', usage: { input: 20, output: 3 } })
    const { decision, message } = await gateway.app.lynkr.chat.internal({
      purpose: 'summarise',
      request: { model: '', clientModel: 'summariser', max_tokens: 100, stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise: lynkr is a gateway.' }] }] }
    })
    assert.equal(decision.provider, 'openai')
    assert.deepEqual(message.content, [{ type: 'text', text: 'A summary.' }])
    assert.equal(seen.length, stepsBefore, 'no client step ran')
    assert.doesNotMatch(JSON.stringify(fake.requests.at(-1)!.body), /Recalled:/)
    const { families } = await scrape(gateway.url)
    assert.equal(sampleValue(families, 'lynkr_chat_requests_total', { purpose: 'internal:summarise', provider: 'openai', outcome: 'success' }), 1)
    assert.equal(sampleValue(families, 'lynkr_tokens_total', { purpose: 'internal:summarise', kind: 'output' }), 3)
    const client = sampleValue(families, 'lynkr_chat_requests_total', { purpose: 'client', provider: 'openai', outcome: 'success' })
    assert.ok(client !== undefined && client >= 5, 'client traffic is counted apart')
  })
})

describe('step time is the gateway\'s', () => {
  test('a slow step does not count against the upstream first-byte timeout', async (t) => {
    const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    const slow: LynkrPluginModule = {
      default: fp(async (app) => {
        // Far longer than the first-byte timeout: before the fix, the timer ran while the step did.
        app.lynkr.pipeline.use({ name: 'slow-recall', stage: 'recall', run: async (chat) => { await new Promise((resolve) => setTimeout(resolve, 4000)); return chat } })
      }, { name: 'slow-step', decorators: { fastify: ['lynkr'] } }),
      manifest: defineManifest({ kind: 'pipeline', env: Type.Object({}), toOptions: () => ({}) })
    }
    const gateway = await startGateway(openAIEnv(fake.url, { UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '2000', UPSTREAM_REQUEST_TIMEOUT_MS: '2000' }), { plugins: [slow] })
    t.after(async () => { await gateway.close(); await fake.close() })
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 })
    fake.respondWith({ text: 'Worth the wait.' })
    const streamed = await anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
    assert.deepEqual(streamed.content, [{ type: 'text', text: 'Worth the wait.' }])
    fake.respondWith({ text: 'Whole.' })
    const whole = await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'again' }] })
    assert.deepEqual(whole.content, [{ type: 'text', text: 'Whole.' }])
  })
})

describe('the guide\'s provider example', () => {
  test('an embedder\'s provider plugin is selected by MODEL_PROVIDER and answers both front doors', async (t) => {
    const echo = await import('../docs/examples/echo-provider.ts')
    const gateway = await startGateway({ MODEL_PROVIDER: 'echo' }, { plugins: [echo as unknown as LynkrPluginModule] })
    t.after(async () => { await gateway.close() })
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0 })
    const streamed = await anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'ping' }] }).finalMessage()
    assert.deepEqual(streamed.content, [{ type: 'text', text: 'echo: ping' }])
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'k', maxRetries: 0 })
    const completion = await openai.chat.completions.create({ model: 'echo:echo-1', messages: [{ role: 'user', content: 'pong' }] })
    assert.equal(completion.choices[0]!.message.content, 'echo: pong')
    assert.equal(gateway.app.lynkr.chat.capabilities.of(gateway.app.lynkr.providers.get('echo')!, 'echo-1').contextWindow, 8192, 'limits from its model list')
  })
})
