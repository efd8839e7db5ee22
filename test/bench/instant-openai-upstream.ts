// A loopback OpenAI-compatible upstream with instant replies, for benchmarks: it reads the body and
// answers a fixed chat.completion, or the same answer as an SSE stream when the body asks for one.
// `pnpm bench` runs it in its own process or inside the bench process.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { pathToFileURL } from 'node:url'

const completion = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1, model: 'bench-model',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'The answer is 42.' } }],
  usage: { prompt_tokens: 120, completion_tokens: 6, total_tokens: 126 }
})

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`
const stream = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'The answer' }),
  chunk({ content: ' is' }),
  chunk({ content: ' 42.' }),
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-model', choices: [], usage: { prompt_tokens: 120, completion_tokens: 6, total_tokens: 126 } })}\n\n`,
  'data: [DONE]\n\n'
].join('')
// Cheaper than parsing the body, and the same answer for the requests the bench sends.
const STREAM_FLAG = /"stream"\s*:\s*true/

export async function startInstantUpstream (port = 0): Promise<{ server: Server, port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (STREAM_FLAG.test(Buffer.concat(chunks).toString())) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        res.end(stream)
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) })
      res.end(completion)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { server, port: (server.address() as { port: number }).port }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { server, port } = await startInstantUpstream(Number(process.argv[2] ?? 0))
  process.stdout.write(`ready ${port}\n`)
  process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)) })
}
