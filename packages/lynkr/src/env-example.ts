import type { Catalog } from '@lynkr/core/gateway'

interface SchemaProperty { default?: unknown, description?: string, type?: string, enum?: unknown[] }

/**
 * Renders config/lynkr.env.example from the plugins' own env schemas, so the documented variables cannot
 * drift from what the code reads (a test compares the file with this output).
 */
export async function renderEnvExample (catalog: Catalog): Promise<string> {
  const lines = [
    '# lynkr configuration: every variable the first-party plugins read, grouped by plugin.',
    '# Generated from the plugins\' env schemas by `node scripts/env-example.mjs`; do not edit by hand.',
    '# Uncomment what you need. Values shown are the defaults.',
    '',
    '# --- server and core ---',
    '# PORT=8081',
    '# HOST=127.0.0.1',
    '# LOG_LEVEL=info',
    '# pretty (the default on a terminal) or json (the default otherwise)',
    '# LOG_FORMAT=',
    '# BASE_PATH=',
    '# Provider for requests that name none; not used (nor enabled) when all four TIER_* are set',
    '# MODEL_PROVIDER=ollama',
    '# LYNKR_PLUGINS=',
    '# Token-optimisation phases to turn on at once: all, or a comma list of tool-selection, tool-result-compression, system-prompt, history-compression, prompt-cache',
    '# LYNKR_TOKEN_PHASES=',
    '# Largest request body (b, kb, mb, gb); 32mb is also the maximum: a larger value is lowered to it, with a warning',
    '# REQUEST_JSON_LIMIT=32mb',
    '# LYNKR_API_KEY=',
    '# How long in-flight streams may finish after SIGTERM/SIGINT before they are ended',
    '# SHUTDOWN_GRACE_MS=25000',
    '# Where tools run: server (the gateway runs its own tools: MCP servers, memory) or client (it runs none; passthrough = client)',
    '# TOOL_EXECUTION_MODE=server',
    '# Gateway tools (server-side tool loop): most model calls per client request',
    '# LYNKR_MAX_TOOL_TURNS=8',
    '# Lynkr\'s name for a stricter turn cap: the smaller of this and LYNKR_MAX_TOOL_TURNS applies',
    '# POLICY_MAX_STEPS=',
    '# Most gateway tool executions per client request; calls beyond fail as tool errors',
    '# POLICY_MAX_TOOL_CALLS=32',
    '# How clients see the calls the gateway ran: hidden, or server (server_tool_use + gateway_tool_result blocks)',
    '# LYNKR_GATEWAY_TOOL_BLOCKS=hidden',
    '# JSON price overrides, USD per million tokens: {"gpt-4o":{"input":2.5,"output":10,"cacheRead":1.25}}',
    '# MODEL_PRICE_OVERRIDES=',
    '# the Claude Code executable `lynkr claude` runs (default: claude on PATH)',
    '# CLAUDE_CODE_BIN=',
    '# (TIER_* and FALLBACK_* are in the router section)'
  ]
  for (const entry of catalog) {
    const module = await entry.load()
    const properties = (module.manifest.env as { properties?: Record<string, SchemaProperty> }).properties ?? {}
    const keys = Object.keys(properties)
    if (keys.length === 0) continue
    lines.push('', `# --- ${entry.id} (${entry.packageName}) ---`)
    for (const key of keys) {
      const property = properties[key]!
      if (property.description) lines.push(`# ${property.description}`)
      lines.push(`# ${key}=${property.default === undefined ? '' : String(property.default)}`)
    }
  }
  return lines.join('\n') + '\n'
}
