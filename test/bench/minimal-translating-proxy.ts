// The floor for any translating proxy on this machine, for context in `pnpm bench`: node:http plus an
// undici Pool, parsing the Anthropic body and answering with a minimal Anthropic message. No validation,
// no routing, no error handling — what lynkr does on top of this is the price of correctness.
import { createServer } from 'node:http'
import { Pool } from 'undici'

const upstream = new Pool(process.argv[2]!, { connections: 64 })
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    void (async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { model: string, max_tokens: number, messages: unknown[], system?: Array<{ text: string }> }
      const messages = [{ role: 'system', content: (body.system ?? []).map((block) => block.text).join('\n\n') }, ...body.messages]
      const response = await upstream.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bench-model', messages, max_tokens: body.max_tokens }) })
      const completion = await response.body.json() as { choices: Array<{ message: { content: string } }>, usage: { prompt_tokens: number, completion_tokens: number } }
      const message = JSON.stringify({
        id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content: [{ type: 'text', text: completion.choices[0]!.message.content }],
        stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: completion.usage.prompt_tokens, output_tokens: completion.usage.completion_tokens }
      })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(message) })
      res.end(message)
    })()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => { process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`) })
process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)) })
