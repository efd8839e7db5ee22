import type { Catalog } from '@lynkr/core/gateway'

/**
 * The token-optimisation phases (issue 14) LYNKR_TOKEN_PHASES=all turns on, in pipeline order. A phase
 * not built yet is skipped with a boot note. Memory deduplication is not here: it lives in the memory
 * plugin and applies when memory is on (MEMORY_ENABLED); turning memory itself on is not a token setting.
 */
export const tokenPhases = ['tool-selection', 'tool-result-compression', 'system-prompt', 'history-compression', 'prompt-cache'] as const

/**
 * Every first-party plugin. This is the only module that knows them; each is imported lazily, so a
 * disabled plugin (and any native module behind it) is never loaded.
 */
export const catalog: Catalog = [
  { id: 'api-anthropic', packageName: '@lynkr/api-anthropic', kind: 'front-door', defaultOn: true, load: async () => await import('@lynkr/api-anthropic') },
  { id: 'api-openai', packageName: '@lynkr/api-openai', kind: 'front-door', defaultOn: true, load: async () => await import('@lynkr/api-openai') },
  // On by default: without an embeddings provider it answers an OpenAI error naming the variable to set.
  { id: 'embeddings', packageName: '@lynkr/embeddings', kind: 'service', defaultOn: true, load: async () => await import('@lynkr/embeddings') },
  { id: 'health', packageName: '@lynkr/health', kind: 'ops', defaultOn: true, load: async () => await import('@lynkr/health') },
  // Tier routing (when all four TIER_* are set), fallback, retries, circuit breakers and upstream timeouts.
  { id: 'router', packageName: '@lynkr/router', kind: 'service', defaultOn: true, load: async () => await import('@lynkr/router') },
  { id: 'metrics', packageName: '@lynkr/metrics', kind: 'ops', defaultOn: true, load: async () => await import('@lynkr/metrics') },
  // Native (better-sqlite3): loaded only when a plugin that needs it (usage) is enabled.
  { id: 'storage', packageName: '@lynkr/storage', kind: 'service', load: async () => await import('@lynkr/storage') },
  // Off by default: MEMORY_ENABLED=true turns it on (it needs storage, loaded with it).
  { id: 'memory', packageName: '@lynkr/memory', kind: 'service', enabledBy: ['MEMORY_ENABLED'], load: async () => await import('@lynkr/memory') },
  // On by default: it reads MCP_SERVER_MANIFEST and MCP_MANIFEST_DIRS (~/.claude/mcp); with no server found it
  // loads nothing more (the MCP SDK is imported only for a configured server). TOOL_EXECUTION_MODE=client: off.
  { id: 'mcp', packageName: '@lynkr/mcp', kind: 'service', defaultOn: true, load: async () => await import('@lynkr/mcp') },
  { id: 'usage', packageName: '@lynkr/usage', kind: 'service', defaultOn: true, load: async () => await import('@lynkr/usage') },
  { id: 'provider-ollama', packageName: '@lynkr/provider-ollama', kind: 'provider', providers: ['ollama'], local: true, load: async () => await import('@lynkr/provider-ollama') },
  { id: 'provider-openai', packageName: '@lynkr/provider-openai', kind: 'provider', providers: ['openai'], enabledBy: ['OPENAI_API_KEY'], load: async () => await import('@lynkr/provider-openai') },
  // Providers are enabled by being selected (MODEL_PROVIDER, a tier, the fallback) or by their own credentials,
  // never by an endpoint or a model: Lynkr's .env.example sets those for providers nobody uses.
  // Not by the generic AWS_ACCESS_KEY_ID either: only by Bedrock's own keys.
  { id: 'provider-bedrock', packageName: '@lynkr/provider-bedrock', kind: 'provider', providers: ['bedrock'], enabledBy: ['AWS_BEDROCK_API_KEY', 'AWS_BEARER_TOKEN_BEDROCK'], load: async () => await import('@lynkr/provider-bedrock') },
  { id: 'provider-azure-anthropic', packageName: '@lynkr/provider-azure-anthropic', kind: 'provider', providers: ['azure-anthropic'], enabledBy: ['AZURE_ANTHROPIC_API_KEY', 'AZURE_ANTHROPIC_AD_TOKEN', 'AZURE_ANTHROPIC_AUTH'], load: async () => await import('@lynkr/provider-azure-anthropic') },
  { id: 'provider-zai', packageName: '@lynkr/provider-zai', kind: 'provider', providers: ['zai'], enabledBy: ['ZAI_API_KEY'], load: async () => await import('@lynkr/provider-zai') },
  { id: 'provider-vertex', packageName: '@lynkr/provider-vertex', kind: 'provider', providers: ['vertex'], enabledBy: ['VERTEX_API_KEY'], load: async () => await import('@lynkr/provider-vertex') },
  // Local servers have no credentials: enabled by MODEL_PROVIDER or a tier only (their default endpoints are always "set").
  { id: 'provider-llamacpp', packageName: '@lynkr/provider-llamacpp', kind: 'provider', providers: ['llamacpp'], local: true, load: async () => await import('@lynkr/provider-llamacpp') },
  { id: 'provider-lmstudio', packageName: '@lynkr/provider-lmstudio', kind: 'provider', providers: ['lmstudio'], local: true, load: async () => await import('@lynkr/provider-lmstudio') },
  { id: 'provider-openrouter', packageName: '@lynkr/provider-openrouter', kind: 'provider', providers: ['openrouter'], enabledBy: ['OPENROUTER_API_KEY'], load: async () => await import('@lynkr/provider-openrouter') },
  { id: 'provider-azure-openai', packageName: '@lynkr/provider-azure-openai', kind: 'provider', providers: ['azure-openai'], enabledBy: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_AD_TOKEN', 'AZURE_OPENAI_AUTH'], load: async () => await import('@lynkr/provider-azure-openai') },
  { id: 'provider-databricks', packageName: '@lynkr/provider-databricks', kind: 'provider', providers: ['databricks'], enabledBy: ['DATABRICKS_API_KEY'], load: async () => await import('@lynkr/provider-databricks') },
  { id: 'provider-moonshot', packageName: '@lynkr/provider-moonshot', kind: 'provider', providers: ['moonshot'], enabledBy: ['MOONSHOT_API_KEY'], load: async () => await import('@lynkr/provider-moonshot') }
]
