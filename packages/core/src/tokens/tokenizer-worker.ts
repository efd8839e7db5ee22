import { createRequire } from 'node:module'

/**
 * The tokenizer runs in a worker thread: loading the o200k ranks takes a few hundred milliseconds of CPU and
 * counting a large prompt tens of milliseconds — either would stall every stream the gateway is serving. The
 * worker is plain CommonJS source (no build or loader needed in it); the module path is resolved here, from
 * this package, so a pnpm layout works.
 *
 * gpt-tokenizer rather than js-tiktoken: the same o200k_base counts (checked on this repository's sources) in
 * about 18 MB of heap instead of about 70 MB, loaded in a third of the time. Its merge cache is bounded
 * lower than its default (100,000 entries) so a long-lived worker stays small.
 */
const require = createRequire(import.meta.url)

export const tokenizerWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const encoding = require(workerData.encoding)
encoding.setMergeCacheSize(workerData.mergeCacheSize)
const plainText = { disallowedSpecial: new Set() }
parentPort.on('message', (message) => {
  const counts = message.pieces.map((piece) => encoding.countTokens(piece, plainText))
  parentPort.postMessage({ id: message.id, counts })
})
parentPort.postMessage({ ready: true })
`

export function tokenizerWorkerData (): { encoding: string, mergeCacheSize: number } {
  return { encoding: require.resolve('gpt-tokenizer/encoding/o200k_base'), mergeCacheSize: 10_000 }
}
