import type { Catalog } from '@lynkr/core'

const DEFAULT_PROVIDER = 'ollama'

/** One line per provider, from the catalog: what selects it and what enables it by itself. */
function providerLines (catalog: Catalog): string[] {
  const entries = catalog.flatMap((entry) => (entry.providers ?? []).map((provider) => ({ provider, enabledBy: entry.enabledBy ?? [] })))
  entries.sort((a, b) => a.provider.localeCompare(b.provider))
  const width = Math.max(...entries.map(({ provider }) => provider.length)) + 2
  return entries.map(({ provider, enabledBy }) => `  ${provider.padEnd(width)}${enabledBy.length === 0 ? 'local server: enabled when selected' : `enabled by ${enabledBy.join(' or ')}, or when selected`}${provider === DEFAULT_PROVIDER ? ' (the default MODEL_PROVIDER)' : ''}`)
}

export function renderHelp (catalog: Catalog): string {
  return `lynkr — a self-hosted LLM gateway for Claude Code, Cursor and any OpenAI client

Usage:
  lynkr start [--port 8081] [--host 127.0.0.1] [--env-file .env]   run the gateway (the default command)
  lynkr claude [claude arguments…]   run Claude Code through lynkr, starting lynkr if it is not running
                                     on PORT (alias: lynkr wrap claude); exits with Claude Code's code
  lynkr usage [--since 7d|2025-01-31] [--json]   requests, tokens and cost by day, provider and model
  lynkr doctor                       check the configuration and probe every enabled provider
  lynkr env                          every variable lynkr reads, with its default and what it does
  lynkr memory list|search <query>|forget <id> [--project DIR] [--limit 50] [--json]
                                     long-term memories of a project (default: this directory) and the global ones
  lynkr --help | --version
Options before the command apply to all: --env-file, --port, --host.

Point clients at it:
  Claude Code   ANTHROPIC_BASE_URL=http://127.0.0.1:8081  ANTHROPIC_API_KEY=any   (or: lynkr claude)
  OpenAI SDKs   OPENAI_BASE_URL=http://127.0.0.1:8081/v1

Providers (select with MODEL_PROVIDER, a TIER_* variable, or provider:model in a request):
${providerLines(catalog).join('\n')}

Main variables (a .env file in the working directory is loaded; a Lynkr .env works as is):
  MODEL_PROVIDER      provider for every request that does not name one (default ollama; unused when all four TIER_* are set)
  OLLAMA_ENDPOINT     default http://localhost:11434      OLLAMA_MODEL    default qwen2.5-coder:latest
  OLLAMA_NUM_CTX      context window sent to Ollama (default 65536)
  OLLAMA_KEEP_ALIVE   how long Ollama keeps the model loaded (e.g. 30m, -1)
  OPENAI_API_KEY      OPENAI_ENDPOINT (base URL or full /chat/completions URL)   OPENAI_MODEL
  PORT (8081)  HOST (127.0.0.1: local only; 0.0.0.0 to listen on all interfaces)  LOG_LEVEL (info)
  LOG_FORMAT          pretty (default on a terminal) or json (default otherwise)
  REQUEST_JSON_LIMIT  largest request body (default and maximum 32mb)
  LYNKR_API_KEY       require this key from clients (x-api-key or Bearer); any key is accepted when unset
  BASE_PATH           serve under a path prefix (e.g. /anthropic)
  CLAUDE_CODE_BIN     the Claude Code executable for lynkr claude (default: claude on PATH)

  TIER_SIMPLE, TIER_MEDIUM, TIER_COMPLEX, TIER_REASONING   provider:model per complexity tier (all four turn tier routing on)
  FALLBACK_PROVIDER (databricks) FALLBACK_ENABLED (true)   where a failing tier goes, before the first byte
  SHUTDOWN_GRACE_MS (25000)  how long in-flight streams may finish after SIGTERM
Every variable, with its default: lynkr env (lynkr env > lynkr.env.example). Each plugin's README lists its own.
Metrics: GET /metrics (Prometheus). Spend and tokens: GET /v1/usage?from=&to= (ledger in LYNKR_DATA_DIR, default ./data).
Health: GET /health/live, GET /health/ready (?deep=true probes providers now).
`
}
