import { parseArgs } from 'node:util'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { LynkrConfigError } from '@lynkr/core'
import { buildServer } from '../server.ts'

const HELP = `lynkr — a self-hosted LLM gateway for Claude Code, Cursor and any OpenAI client

Usage:
  lynkr start [--port 8081] [--host 127.0.0.1] [--env-file .env]
  lynkr --help | --version

Point clients at it:
  Claude Code   ANTHROPIC_BASE_URL=http://127.0.0.1:8081  ANTHROPIC_API_KEY=any
  OpenAI SDKs   OPENAI_BASE_URL=http://127.0.0.1:8081/v1

Main variables (a .env file in the working directory is loaded):
  MODEL_PROVIDER      provider for every request: ollama (default), openai
  OLLAMA_ENDPOINT     default http://localhost:11434      OLLAMA_MODEL    default qwen2.5-coder:latest
  OLLAMA_NUM_CTX      context window sent to Ollama (default 65536)
  OLLAMA_KEEP_ALIVE   how long Ollama keeps the model loaded (e.g. 30m, -1)
  OPENAI_API_KEY      OPENAI_ENDPOINT (base URL or full /chat/completions URL)   OPENAI_MODEL
  PORT (8081)  HOST (127.0.0.1: local only; 0.0.0.0 to listen on all interfaces)  LOG_LEVEL (info)
  REQUEST_JSON_LIMIT  largest request body (default 32mb)
  LYNKR_API_KEY       require this key from clients (x-api-key or Bearer); any key is accepted when unset
  BASE_PATH           serve under a path prefix (e.g. /anthropic)

  TIER_SIMPLE, TIER_MEDIUM, TIER_COMPLEX, TIER_REASONING   provider:model per complexity tier (all four turn tier routing on)
  FALLBACK_PROVIDER (databricks) FALLBACK_ENABLED (true)   where a failing tier goes, before the first byte
  SHUTDOWN_GRACE_MS (25000)  how long in-flight streams may finish after SIGTERM
Metrics: GET /metrics (Prometheus). Spend and tokens: GET /v1/usage?from=&to= (ledger in LYNKR_DATA_DIR, default ./data).

A client picks a provider per request with provider:model in the model field (e.g. ollama:qwen3:8b).
Health: GET /health/live, GET /health/ready (?deep=true probes providers now).
`

function version (): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return manifest.version
}

async function main (): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'env-file': { type: 'string' }
    }
  })
  if (values.help === true || positionals[0] === 'help') { process.stdout.write(HELP); return }
  if (values.version === true) { process.stdout.write(version() + '\n'); return }
  const command = positionals[0] ?? 'start'
  if (command !== 'start') {
    process.stderr.write(`lynkr: unknown command "${command}"\n\n${HELP}`)
    process.exitCode = 2
    return
  }

  // A .env in the working directory never overrides variables already set in the environment.
  const envFile = resolve(values['env-file'] ?? '.env')
  if (existsSync(envFile)) process.loadEnvFile(envFile)
  else if (values['env-file'] !== undefined) throw new LynkrConfigError(`--env-file ${envFile} does not exist`)

  const port = Number(values.port ?? process.env.PORT ?? 8081)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LynkrConfigError(`PORT must be a port number, got "${values.port ?? process.env.PORT}"`, 'PORT')
  const host = values.host ?? process.env.HOST ?? '127.0.0.1'

  const app = await buildServer({ env: process.env })
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info(`${signal} received, closing`)
    // In-flight streams get SHUTDOWN_GRACE_MS (preClose in core); this is the backstop after it.
    const deadline = setTimeout(() => { app.log.warn('shutdown deadline passed, exiting'); process.exit(1) }, app.lynkr.shutdownGraceMs + 5_000)
    deadline.unref()
    app.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))

  await app.listen({ port, host })
  app.log.info(`lynkr ${version()} listening on http://${host}:${(app.server.address() as { port: number }).port} (default provider: ${app.lynkr.routing.defaultProvider}; plugins: ${app.lynkr.plugins.join(', ')})`)
}

main().catch((error: unknown) => {
  if (error instanceof LynkrConfigError) {
    process.stderr.write(`lynkr: configuration error: ${error.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`lynkr: failed to start: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
