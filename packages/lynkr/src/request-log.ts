import type { FastifyInstance } from 'fastify'
import type { CallCompletedEvent } from '@lynkr/core'

/** Probes and scrapes arrive every few seconds: logged at debug so they do not drown the requests. */
const QUIET_PATHS = ['/health/', '/metrics']

/** Finished calls waiting for their response line; bounded, in case a response never completes. */
const MAX_PENDING = 1000

/**
 * One log line per request when its response is done: method, path, status, time, and for a model call who
 * served it with tokens and cost (taken from the call's `call-completed` event).
 */
export function logOneLinePerRequest (app: FastifyInstance): void {
  const calls = new Map<string, Pick<CallCompletedEvent, 'outcome' | 'usage' | 'costUsd'> & { provider: string, model: string, tier?: string }>()
  app.lynkr.events.on('call-completed', (event) => {
    if (calls.size >= MAX_PENDING) calls.delete(calls.keys().next().value!)
    calls.set(event.requestId, { provider: event.decision.provider, model: event.decision.model, tier: event.decision.tier, outcome: event.outcome, usage: event.usage, costUsd: event.costUsd })
  })
  app.addHook('onResponse', (request, reply, done) => {
    const call = calls.get(String(request.id))
    if (call !== undefined) calls.delete(String(request.id))
    const line = `${request.method} ${request.url} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms` +
      (call === undefined ? '' : ` ${call.provider}/${call.model}`) +
      (call?.outcome === 'success' ? ` in ${call.usage.input_tokens} out ${call.usage.output_tokens} tokens` : call === undefined ? '' : ` ${call.outcome}`)
    const quiet = QUIET_PATHS.some((path) => request.url.startsWith(path))
    if (quiet) request.log.debug(line)
    else request.log.info({ statusCode: reply.statusCode, responseTime: reply.elapsedTime, ...call }, line)
    done()
  })
}
