// One tokenizer option in a fresh process, for `pnpm bench:tokenizer`: prints a JSON line with RSS and heap
// before loading, once loaded and counting, and after releasing it. Plain CommonJS so that nothing but the
// tokenizer (no TypeScript loader) lands in the measured process.
// argv: encoding (o200k_base | cl100k_base | none), place (main | worker), text file to count.
'use strict'
const { readFileSync } = require('node:fs')
const { Worker } = require('node:worker_threads')
const { setTimeout: delay } = require('node:timers/promises')

const [encodingName, place, textFile] = process.argv.slice(2)
const modulePath = encodingName === 'none' ? '' : require.resolve(`gpt-tokenizer/encoding/${encodingName}`, { paths: [process.cwd()] })
const pieces = JSON.parse(readFileSync(textFile, 'utf8'))
const mb = (bytes) => Math.round(bytes / 104857.6) / 10
const sample = () => { globalThis.gc(); const m = process.memoryUsage(); return { rss: mb(m.rss), heap: mb(m.heapUsed) } }

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const encoding = require(workerData)
parentPort.on('message', (pieces) => { parentPort.postMessage(pieces.map((piece) => encoding.countTokens(piece))) })
parentPort.postMessage('ready')
`

async function main () {
  await delay(200)
  const before = sample()
  const began = performance.now()
  let tokens = 0
  let loadMs = 0
  let countMs = 0
  let release
  if (encodingName === 'none') {
    tokens = pieces.reduce((sum, piece) => sum + Math.ceil(piece.length / 4), 0)
    release = async () => {}
  } else if (place === 'main') {
    let encoding = require(modulePath)
    encoding.setMergeCacheSize(10_000)
    loadMs = performance.now() - began
    const counting = performance.now()
    for (const piece of pieces) tokens += encoding.countTokens(piece)
    countMs = performance.now() - counting
    release = async () => { encoding = null; delete require.cache[modulePath]; for (const key of Object.keys(require.cache)) if (key.includes('gpt-tokenizer')) delete require.cache[key] }
  } else {
    const worker = new Worker(workerSource, { eval: true, workerData: modulePath })
    await new Promise((resolve) => worker.once('message', resolve))
    loadMs = performance.now() - began
    const counting = performance.now()
    worker.postMessage(pieces)
    const counts = await new Promise((resolve) => worker.once('message', resolve))
    countMs = performance.now() - counting
    tokens = counts.reduce((a, b) => a + b, 0)
    release = async () => { await worker.terminate() }
  }
  await delay(500)
  const loaded = sample()
  await release()
  await delay(2000)
  const released = sample()
  console.log(JSON.stringify({ encodingName, place, tokens, loadMs: Math.round(loadMs), countMs: Math.round(countMs), before, loaded, released }))
}
main().catch((error) => { console.error(error); process.exit(1) })
