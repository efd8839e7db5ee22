import type { Catalog } from '@lynkr/core/gateway'
import { withPluginIndex } from './plugin-index.ts'
import type { CatalogLine } from './plugin-index.ts'

/**
 * The token-optimisation phases (issue 14) LYNKR_TOKEN_PHASES=all turns on, in pipeline order. A phase
 * not built yet is skipped with a boot note. Memory deduplication is not here: it lives in the memory
 * plugin and applies when memory is on (MEMORY_ENABLED); turning memory itself on is not a token setting.
 */
export const tokenPhases = ['tool-selection', 'tool-result-compression', 'system-prompt', 'history-compression', 'prompt-cache'] as const

/**
 * Every first-party plugin: one line each (id, package, whether it is on without configuration, how to import
 * it). What a plugin is — kind, providers, local, enabledBy — its manifest declares; plugin-index.generated.ts
 * copies that (`node scripts/plugin-index.mjs`), so boot decides what to import without importing every plugin,
 * and a disabled plugin (and any native module behind it) is never loaded. Providers are enabled by being
 * selected (MODEL_PROVIDER, a tier, the fallback) or by their own credentials, never by an endpoint or a model.
 */
export const catalogLines: readonly CatalogLine[] = [
  { id: 'api-anthropic', packageName: '@lynkr/api-anthropic', defaultOn: true, load: async () => await import('@lynkr/api-anthropic') },
  { id: 'api-openai', packageName: '@lynkr/api-openai', defaultOn: true, load: async () => await import('@lynkr/api-openai') },
  // On by default: without an embeddings provider it answers an OpenAI error naming the variable to set.
  { id: 'embeddings', packageName: '@lynkr/embeddings', defaultOn: true, load: async () => await import('@lynkr/embeddings') },
  { id: 'health', packageName: '@lynkr/health', defaultOn: true, load: async () => await import('@lynkr/health') },
  // Tier routing (when all four TIER_* are set), fallback, retries, circuit breakers and upstream timeouts.
  { id: 'router', packageName: '@lynkr/router', defaultOn: true, load: async () => await import('@lynkr/router') },
  { id: 'metrics', packageName: '@lynkr/metrics', defaultOn: true, load: async () => await import('@lynkr/metrics') },
  // Native (better-sqlite3): loaded only when a plugin that needs it (usage, memory) is enabled.
  { id: 'storage', packageName: '@lynkr/storage', load: async () => await import('@lynkr/storage') },
  { id: 'memory', packageName: '@lynkr/memory', load: async () => await import('@lynkr/memory') },
  // On by default: it reads MCP_SERVER_MANIFEST and MCP_MANIFEST_DIRS (~/.claude/mcp); with no server found it
  // loads nothing more (the MCP SDK is imported only for a configured server). TOOL_EXECUTION_MODE=client: off.
  { id: 'mcp', packageName: '@lynkr/mcp', defaultOn: true, load: async () => await import('@lynkr/mcp') },
  // Off by default: PROMPT_CACHE_ENABLED=true (provider caching for every client, response cache) or SEMANTIC_CACHE_ENABLED=true.
  { id: 'prompt-cache', packageName: '@lynkr/prompt-cache', load: async () => await import('@lynkr/prompt-cache') },
  // Off by default: WORKSPACE_TOOLS_ENABLED=true (with WORKSPACE_ROOT) offers gateway-run tools over a workspace, under the POLICY_* settings.
  { id: 'workspace-tools', packageName: '@lynkr/workspace-tools', load: async () => await import('@lynkr/workspace-tools') },
  // Token phases (issue 14), each off unless its variable is set.
  { id: 'tool-result-compression', packageName: '@lynkr/tool-result-compression', load: async () => await import('@lynkr/tool-result-compression') },
  { id: 'history-compression', packageName: '@lynkr/history-compression', load: async () => await import('@lynkr/history-compression') },
  { id: 'tool-selection', packageName: '@lynkr/tool-selection', load: async () => await import('@lynkr/tool-selection') },
  { id: 'system-prompt', packageName: '@lynkr/system-prompt', load: async () => await import('@lynkr/system-prompt') },
  { id: 'usage', packageName: '@lynkr/usage', defaultOn: true, load: async () => await import('@lynkr/usage') },
  { id: 'provider-ollama', packageName: '@lynkr/provider-ollama', load: async () => await import('@lynkr/provider-ollama') },
  { id: 'provider-openai', packageName: '@lynkr/provider-openai', load: async () => await import('@lynkr/provider-openai') },
  { id: 'provider-bedrock', packageName: '@lynkr/provider-bedrock', load: async () => await import('@lynkr/provider-bedrock') },
  { id: 'provider-azure-anthropic', packageName: '@lynkr/provider-azure-anthropic', load: async () => await import('@lynkr/provider-azure-anthropic') },
  { id: 'provider-zai', packageName: '@lynkr/provider-zai', load: async () => await import('@lynkr/provider-zai') },
  { id: 'provider-vertex', packageName: '@lynkr/provider-vertex', load: async () => await import('@lynkr/provider-vertex') },
  { id: 'provider-llamacpp', packageName: '@lynkr/provider-llamacpp', load: async () => await import('@lynkr/provider-llamacpp') },
  { id: 'provider-lmstudio', packageName: '@lynkr/provider-lmstudio', load: async () => await import('@lynkr/provider-lmstudio') },
  { id: 'provider-openrouter', packageName: '@lynkr/provider-openrouter', load: async () => await import('@lynkr/provider-openrouter') },
  { id: 'provider-azure-openai', packageName: '@lynkr/provider-azure-openai', load: async () => await import('@lynkr/provider-azure-openai') },
  { id: 'provider-databricks', packageName: '@lynkr/provider-databricks', load: async () => await import('@lynkr/provider-databricks') },
  { id: 'provider-moonshot', packageName: '@lynkr/provider-moonshot', load: async () => await import('@lynkr/provider-moonshot') }
]

// Typed through @lynkr/core/gateway: an inferred type would name @lynkr/core, whose augmentation would put
// app.lynkr on every host's FastifyInstance.
export const catalog: Catalog = withPluginIndex(catalogLines)
