// Type test: what a host embedding lynkr sees through the package's published types (built dist/*.d.ts;
// no lynkr-src condition, so no plugin sources and their `app.lynkr` augmentation come along).
import Fastify from 'fastify'
import lynkr, { buildServer } from 'lynkr'
import type { LynkrAppOptions, LynkrGateway } from 'lynkr'

const app = Fastify()
let gateway: LynkrGateway | undefined
const options: LynkrAppOptions = {
  env: { MODEL_PROVIDER: 'ollama' },
  dataDir: ':memory:',
  onReady: (ready) => {
    gateway = ready
    ready.events.on('call-completed', (call) => { const cost: number | undefined = call.costUsd; void cost })
    const providers: string[] = ready.providers.list().map((adapter) => adapter.id)
    void providers
  }
}
await app.register(lynkr, { prefix: '/llm', ...options })
const plugins: string[] | undefined = gateway?.plugins
void plugins

// The gateway lives inside the prefix: the host's own instance has no `lynkr`.
// @ts-expect-error lynkr is not a decorator of the host instance
void app.lynkr

// The standalone server registers lynkr at its root, so there it is typed.
const server = await buildServer({ env: {} })
const defaultProvider: string = server.lynkr.routing.defaultProvider
void defaultProvider
