// A loopback OpenAI-compatible upstream with instant replies, for benchmarks: it reads the body and
// answers a fixed chat.completion (non-stream) or a short SSE stream. Run as its own process.
import { createServer } from 'node:http'

const completion = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1, model: 'bench-model',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'The answer is 42.' } }],
  usage: { prompt_tokens: 120, completion_tokens: 6, total_tokens: 126 }
})

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) })
    res.end(completion)
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`)
})
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)) })
