import type { FastifyInstance } from 'fastify'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * `lynkr start` collects garbage once when the gateway goes quiet after traffic. V8 collects only while
 * JavaScript allocates: after a burst (an agent's tool loop) the garbage of its requests — tens of MB of
 * parsed bodies and buffers — stays in the heap, counted in the resident memory, until the next traffic;
 * V8's own memory reducer gives it back only some of the time (bench:footprint). One full collection on a
 * quiet gateway (no request started for 1-2 s) costs tens of milliseconds, at most one pause in a stream still
 * running then, once per quiet spell however long it lasts. After 1 s rather than 2 s: the memory comes back
 * while an agent waits for its model (bench:footprint's sample 2 s after a burst now falls after it).
 * CLI only: a host that embeds lynkr owns its process's garbage collection.
 */
export function collectWhenQuiet (app: FastifyInstance, quietMs = 1_000): void {
  // `gc` is installed in contexts created after the flag is set: a throwaway context hands it over.
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  let requests = 0
  let seen = 0
  let collected = false
  app.addHook('onRequest', (_request, _reply, done) => { requests++; done() })
  const timer = setInterval(() => {
    if (requests !== seen) { seen = requests; collected = false; return }
    if (collected) return
    collected = true
    gc()
  }, quietMs)
  timer.unref()
  app.addHook('onClose', (_instance, done) => { clearInterval(timer); done() })
}
