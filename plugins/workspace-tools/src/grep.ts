import { stat } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import type { GatewayTool } from '@lynkr/protocol'
import type { FilePolicy } from '@lynkr/policy'
import picomatch from 'picomatch'
import { integerInput, textInput } from './tool-result.ts'
import { SKIPPED_DIRS, walk } from './walk.ts'

const GREP_FILE_LIMIT = 20_000
const GREP_TIMEOUT_MS = 15_000
/** Longer lines are cut before matching and showing (minified files). */
const LINE_MAX = 2000
const FILE_MAX_BYTES = 2 * 1024 * 1024

/**
 * The matching runs in a worker thread: a pattern from the model can backtrack for ever, and a worker can be
 * terminated mid-match where the gateway's own thread could not. Each file is opened without following a
 * final symlink and, on Linux, checked to be inside the workspace after opening.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const { files, source, flags, max, lineMax, fileMax, root } = workerData
const regex = new RegExp(source, flags)
const hits = []
let total = 0
for (const file of files) {
  let fd
  try {
    fd = fs.openSync(file.real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
    if (process.platform === 'linux') {
      const opened = fs.realpathSync('/proc/self/fd/' + fd)
      if (opened !== file.real || !(opened === root || opened.startsWith(root + '/'))) continue
    }
    const size = Math.min(fs.fstatSync(fd).size, fileMax)
    const buffer = Buffer.alloc(size)
    fs.readSync(fd, buffer, 0, size, 0)
    if (buffer.includes(0)) continue
    const lines = buffer.toString('utf8').split('\\n')
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].length > lineMax ? lines[i].slice(0, lineMax) : lines[i]
      regex.lastIndex = 0
      if (!regex.test(line)) continue
      total++
      if (hits.length < max) hits.push(file.relative + ':' + (i + 1) + ': ' + line.trim())
    }
  } catch {} finally { if (fd !== undefined) fs.closeSync(fd) }
}
parentPort.postMessage({ hits, total })
`

export function grepTool (policy: FilePolicy, timeoutMs = GREP_TIMEOUT_MS): GatewayTool {
  return {
    name: 'workspace_grep',
    description: 'Search the workspace\'s text files for a regular expression (JavaScript syntax). Returns path:line: text. .git and node_modules are skipped.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'regular expression' },
        path: { type: 'string', description: 'file or directory to search (default: the root)' },
        glob: { type: 'string', description: 'only files matching this glob (*.ts, src/**/*.py)' },
        ignore_case: { type: 'boolean' },
        max_results: { type: 'integer', minimum: 1, maximum: 1000, description: 'default 200' }
      },
      required: ['pattern']
    },
    execute: async (input, { signal }) => {
      const source = textInput(input, 'pattern')
      const flags = input.ignore_case === true ? 'i' : ''
      try { RegExp(source, flags) } catch (error) { return { content: `Invalid pattern: ${(error as Error).message}`, isError: true } }
      const max = integerInput(input, 'max_results', 200, 1, 1000)
      const start = await policy.resolve(textInput(input, 'path', '.'))
      const only = typeof input.glob === 'string' && input.glob !== '' ? picomatch(input.glob, { dot: true, basename: !input.glob.includes('/') }) : undefined
      const files: Array<{ real: string, relative: string }> = []
      if ((await stat(start.real)).isFile()) files.push(start)
      else {
        for await (const entry of walk(policy, start, { maxDepth: 64, limit: GREP_FILE_LIMIT * 5, skipDirs: SKIPPED_DIRS })) {
          if (entry.kind !== 'file' || (only !== undefined && !only(entry.relative))) continue
          files.push(entry)
          if (files.length >= GREP_FILE_LIMIT) break
        }
      }
      const { hits, total } = await runWorker({ files, source, flags, max, lineMax: LINE_MAX, fileMax: FILE_MAX_BYTES, root: policy.root }, signal, timeoutMs)
      if (total === 0) return `No matches for ${source} in ${files.length} files`
      return total > hits.length ? `${hits.join('\n')}\n[${total - hits.length} more matches]` : hits.join('\n')
    }
  }
}

function runWorker (data: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<{ hits: string[], total: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 256 } })
    const stop = (error: Error): void => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); void worker.terminate(); reject(error) }
    const timer = setTimeout(() => { stop(new Error(`the search took longer than ${timeoutMs / 1000} s and was stopped (a simpler pattern, a narrower path or a glob helps)`)) }, timeoutMs)
    const onAbort = (): void => { stop(new Error('the request was cancelled')) }
    signal.addEventListener('abort', onAbort, { once: true })
    worker.once('message', (result: { hits: string[], total: number }) => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); void worker.terminate(); resolve(result) })
    worker.once('error', (error) => { stop(error) })
  })
}
