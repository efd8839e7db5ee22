import { createRequire } from 'node:module'

/**
 * The tokenizer runs in a worker thread: building the o200k ranks takes about a second of CPU and counting
 * a large prompt tens of milliseconds — either would stall every stream the gateway is serving. The worker
 * is plain CommonJS source (no build or loader needed in it); module paths are resolved here, from this
 * package, so a pnpm layout works.
 */
const require = createRequire(import.meta.url)

export const tokenizerWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const { Tiktoken } = require(workerData.lite)
const ranks = require(workerData.ranks)
const encoder = new Tiktoken(ranks.default ?? ranks)
parentPort.on('message', (message) => {
  const counts = message.pieces.map((piece) => encoder.encode(piece, [], []).length)
  parentPort.postMessage({ id: message.id, counts })
})
parentPort.postMessage({ ready: true })
`

export function tokenizerWorkerData (): { lite: string, ranks: string } {
  return { lite: require.resolve('js-tiktoken/lite'), ranks: require.resolve('js-tiktoken/ranks/o200k_base') }
}
