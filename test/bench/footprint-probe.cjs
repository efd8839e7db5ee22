// Preloaded (`node --require`) into the process bench:footprint measures, and by Node into each of its worker
// threads (ES `--import` preloads do not run in workers on Node 20). On an IPC 'sample' message the main thread
// asks every thread over a BroadcastChannel for its heap figures and answers with all of them. CommonJS so the
// measured process needs no loader; nothing here keeps a process or a thread alive.
const { BroadcastChannel, isMainThread, threadId } = require('node:worker_threads')
const v8 = require('node:v8')

const channel = new BroadcastChannel('lynkr-footprint-probe')
channel.unref()

function sample () {
  const usage = process.memoryUsage()
  const heap = v8.getHeapStatistics()
  const space = (name) => v8.getHeapSpaceStatistics().find((entry) => entry.space_name === name)?.space_size ?? 0
  return {
    threadId,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    newSpace: space('new_space'),
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    malloced: heap.malloced_memory
  }
}

if (isMainThread) {
  process.on('message', (message) => {
    // FOOTPRINT_SNAPSHOTS: the bench asks for a main-thread heap snapshot (after a full GC) at each sample.
    if (typeof message === 'object' && message.snapshot !== undefined) {
      process.send({ written: v8.writeHeapSnapshot(message.snapshot) })
      return
    }
    if (message !== 'sample') return
    const threads = [sample()]
    const collect = (event) => { if (event.data?.sample !== undefined) threads.push(event.data.sample) }
    channel.addEventListener('message', collect)
    channel.postMessage({ request: true })
    // Idle workers answer within milliseconds; a worker busy counting answers when it is done.
    setTimeout(() => {
      channel.removeEventListener('message', collect)
      process.send({ threads })
    }, 300)
  })
  process.channel?.unref()
} else {
  channel.addEventListener('message', (event) => {
    if (event.data?.request === true) channel.postMessage({ sample: sample() })
  })
}
