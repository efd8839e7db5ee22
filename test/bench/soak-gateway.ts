// The gateway under `pnpm bench:soak`: the built server (as `npx lynkr start` runs it) in a process started
// with --expose-gc, so the bench can ask, over IPC, for the heap after a full collection: the number that
// shows whether anything is retained per request.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { buildServer } from 'lynkr'

declare const gc: () => void

// The worst event-loop stall since the last report: what every other stream waited for.
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()

const app = await buildServer({ env: { ...process.env } as Record<string, string | undefined>, logger: { level: 'warn' } })
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as { port: number }

process.on('message', (message: { type: string }) => {
  if (message.type === 'stall') {
    process.send!({ type: 'stall', worstMs: loop.max / 1e6 })
    loop.reset()
  } else if (message.type === 'memory') {
    // Two passes: the first can leave objects whose finalizers release more.
    gc()
    gc()
    const usage = process.memoryUsage()
    process.send!({ type: 'memory', heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external, arrayBuffers: usage.arrayBuffers })
  } else if (message.type === 'close') {
    void app.close().then(() => process.exit(0))
  }
})
process.send!({ type: 'ready', port })
