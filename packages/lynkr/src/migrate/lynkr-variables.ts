/**
 * The original Lynkr's variables (its .env.example, config code and documentation) and what lynkr does with
 * each: reads it under the same name, accepts it as an alias of its own variable (units converted), or does
 * not support it (yet). Only this table knows Lynkr's names; `migrate-env.ts` applies it.
 */
import { getHeapStatistics } from 'node:v8'
import { totalmem } from 'node:os'
import { dirname } from 'node:path'

export interface Alias {
  /** lynkr's own variable. */
  to: string
  /** What Lynkr meant, for the README and /health/ready. */
  note: string
  /** Lynkr's value → lynkr's value; undefined when the value is not valid for the variable, null when it asks for nothing (lynkr's default). */
  convert: (value: string) => string | undefined | null
}

const wholeNumber = (value: string): string | undefined => /^\d+$/.test(value.trim()) ? String(Number(value.trim())) : undefined

/** A fraction (0.85) of a byte count, as a byte count. */
const fractionOf = (bytes: () => number) => (value: string): string | undefined => {
  const fraction = Number(value.trim())
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) return undefined
  return String(Math.floor(fraction * bytes()))
}

export const ALIASES: Record<string, Alias> = {
  API_RETRY_MAX_RETRIES: { to: 'UPSTREAM_MAX_RETRIES', note: 'retries of 429/5xx/connection failures', convert: wholeNumber },
  API_RETRY_INITIAL_DELAY: { to: 'UPSTREAM_RETRY_BASE_MS', note: 'first backoff step, ms', convert: wholeNumber },
  API_RETRY_MAX_DELAY: { to: 'UPSTREAM_RETRY_MAX_DELAY_MS', note: 'longest backoff, ms', convert: wholeNumber },
  CIRCUIT_BREAKER_TIMEOUT: { to: 'CIRCUIT_BREAKER_COOLDOWN_MS', note: 'how long an open breaker fails fast, ms', convert: wholeNumber },
  LYNKR_STREAM_IDLE_TIMEOUT_MS: { to: 'UPSTREAM_IDLE_TIMEOUT_MS', note: 'longest silence in an upstream stream, ms', convert: wholeNumber },
  LYNKR_STICKY_TTL_MS: { to: 'ROUTER_SESSION_TTL_MS', note: 'how long a session keeps its provider, ms', convert: wholeNumber },
  GRACEFUL_SHUTDOWN_TIMEOUT: { to: 'SHUTDOWN_GRACE_MS', note: 'how long in-flight requests may finish after SIGTERM, ms', convert: wholeNumber },
  LOAD_SHEDDING_HEAP_THRESHOLD: {
    to: 'LOAD_SHED_MAX_HEAP_USED',
    note: 'fraction of the heap → bytes of the V8 heap limit (Lynkr compared with the current heap size, which sheds on ordinary growth)',
    convert: fractionOf(() => getHeapStatistics().heap_size_limit)
  },
  LOAD_SHEDDING_MEMORY_THRESHOLD: { to: 'LOAD_SHED_MAX_RSS', note: 'fraction of system memory → bytes of resident memory', convert: fractionOf(totalmem) },
  LOAD_SHEDDING_ACTIVE_REQUESTS_THRESHOLD: { to: 'LOAD_SHED_MAX_CONCURRENT_UPSTREAM', note: 'requests in flight before new ones are shed', convert: wholeNumber },
  // Lynkr read it with parseInt as days (default 30, as ours): the same unit, whole days as Lynkr took them.
  MEMORY_DECAY_HALF_LIFE: { to: 'MEMORY_DECAY_HALF_LIFE_DAYS', note: 'days for recency to halve in recall ranking', convert: (value) => /^\d+(?:\.\d*)?$/.test(value.trim()) ? String(Number.parseInt(value, 10)) : undefined },
  // After MEMORY_DECAY_HALF_LIFE: Lynkr's decay switch off means no decay, whatever the half-life says.
  MEMORY_DECAY_ENABLED: {
    to: 'MEMORY_DECAY_HALF_LIFE_DAYS',
    note: 'false → 0 (no recency decay); true keeps the half-life',
    convert: (value) => OFF_VALUES.includes(value.trim().toLowerCase()) ? '0' : ['true', 'on', 'yes', '1'].includes(value.trim().toLowerCase()) ? null : undefined
  },
  WEB_SEARCH_ALLOWED_HOSTS: { to: 'POLICY_WEB_FETCH_ALLOWED_HOSTS', note: 'hosts web fetch may reach (lynkr applies the list always; Lynkr only with WEB_SEARCH_ALLOW_ALL=false, and never adds localhost)', convert: (value) => value },
  TOOL_TRUNCATION_ENABLED: {
    to: 'TOOL_RESULT_COMPRESSION_ENABLED',
    note: 'large tool results cut (lynkr: once, when new, type-aware, with a notice)',
    convert: (value) => ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase()) ? 'true' : ['false', '0', 'no', 'off'].includes(value.trim().toLowerCase()) ? 'false' : undefined
  },
  // Lynkr re-probed only open circuits; lynkr re-probes every enabled provider. Lynkr read 0 as its default (30 s).
  LYNKR_HEALTH_PROBE_INTERVAL_MS: { to: 'HEALTH_PROBE_INTERVAL_MS', note: 'background provider probes, ms', convert: (value) => wholeNumber(value) === '0' ? null : wholeNumber(value) },
  LYNKR_HEALTH_PROBE_TIMEOUT_MS: { to: 'HEALTH_PROBE_TIMEOUT_MS', note: 'deadline for one probe, ms', convert: wholeNumber },
  // After the interval: Lynkr's switch off means no background probes, whatever the interval says.
  LYNKR_HEALTH_PROBE_ENABLED: {
    to: 'HEALTH_PROBE_INTERVAL_MS',
    note: 'false → 0 (probes at boot and on /health/ready?deep=true only)',
    convert: (value) => OFF_VALUES.includes(value.trim().toLowerCase()) ? '0' : ['true', 'on', 'yes', '1'].includes(value.trim().toLowerCase()) ? null : undefined
  },
  // Lynkr's Docker guide set this name; Lynkr's code read OLLAMA_ENDPOINT only (which wins here too, when set).
  OLLAMA_API_BASE: { to: 'OLLAMA_ENDPOINT', note: 'the Ollama server (the name Lynkr\'s Docker guide used)', convert: (value) => value.trim() === '' ? undefined : value.trim() },
  SESSION_DB_PATH: {
    to: 'LYNKR_DATA_DIR',
    note: 'the database file → its directory (lynkr keeps lynkr.db there)',
    convert: (value) => value.trim() === ':memory:' ? ':memory:' : value.trim() === '' ? undefined : dirname(value.trim())
  }
}

/** Read by lynkr under the same name (a test checks each against the plugins' schemas). */
export const SAME_NAME = [
  'MODEL_PROVIDER', 'PORT', 'LOG_LEVEL', 'REQUEST_JSON_LIMIT', 'MODEL_PRICE_OVERRIDES',
  'TIER_SIMPLE', 'TIER_MEDIUM', 'TIER_COMPLEX', 'TIER_REASONING', 'FALLBACK_ENABLED', 'FALLBACK_PROVIDER',
  'CIRCUIT_BREAKER_FAILURE_THRESHOLD', 'EMBEDDINGS_PROVIDER',
  'MEMORY_ENABLED', 'MEMORY_RETRIEVAL_LIMIT', 'MEMORY_SURPRISE_THRESHOLD', 'MEMORY_MAX_AGE_DAYS', 'MEMORY_MAX_COUNT', 'MEMORY_INCLUDE_GLOBAL', 'MEMORY_INJECTION_FORMAT', 'MEMORY_EXTRACTION_ENABLED', 'MEMORY_DEDUP_ENABLED', 'MEMORY_DEDUP_LOOKBACK',
  'DATABRICKS_API_BASE', 'DATABRICKS_API_KEY', 'DATABRICKS_ENDPOINT_PATH',
  'OLLAMA_ENDPOINT', 'OLLAMA_MODEL', 'OLLAMA_TIMEOUT_MS', 'OLLAMA_KEEP_ALIVE', 'OLLAMA_EMBEDDINGS_MODEL', 'OLLAMA_EMBEDDINGS_ENDPOINT',
  'OPENROUTER_API_KEY', 'OPENROUTER_MODEL', 'OPENROUTER_ENDPOINT', 'OPENROUTER_EMBEDDINGS_MODEL',
  'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_DEPLOYMENT', 'AZURE_OPENAI_API_VERSION',
  'AZURE_ANTHROPIC_ENDPOINT', 'AZURE_ANTHROPIC_API_KEY', 'AZURE_ANTHROPIC_VERSION',
  'OPENAI_API_KEY', 'OPENAI_MODEL', 'OPENAI_ENDPOINT', 'OPENAI_ORGANIZATION', 'OPENAI_EMBEDDINGS_MODEL',
  'AWS_BEDROCK_API_KEY', 'AWS_BEDROCK_REGION', 'AWS_BEDROCK_MODEL_ID', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'LLAMACPP_ENDPOINT', 'LLAMACPP_MODEL', 'LLAMACPP_TIMEOUT_MS', 'LLAMACPP_API_KEY', 'LLAMACPP_EMBEDDINGS_ENDPOINT',
  'LMSTUDIO_ENDPOINT', 'LMSTUDIO_MODEL', 'LMSTUDIO_TIMEOUT_MS', 'LMSTUDIO_API_KEY',
  'ZAI_API_KEY', 'ZAI_ENDPOINT', 'ZAI_MODEL',
  'MOONSHOT_API_KEY', 'MOONSHOT_ENDPOINT', 'MOONSHOT_MODEL',
  'VERTEX_API_KEY', 'GOOGLE_API_KEY', 'VERTEX_MODEL',
  'TOOL_EXECUTION_MODE', 'POLICY_MAX_STEPS', 'POLICY_MAX_TOOL_CALLS',
  'MCP_SERVER_MANIFEST', 'MCP_MANIFEST_DIRS', 'MCP_SANDBOX_ENABLED', 'MCP_SANDBOX_RUNTIME', 'MCP_SANDBOX_ALLOW_NETWORKING', 'MCP_SANDBOX_EXTRA_MOUNTS', 'MCP_SANDBOX_IMAGE',
  'PROMPT_CACHE_ENABLED', 'PROMPT_CACHE_MAX_ENTRIES', 'PROMPT_CACHE_TTL_MS', 'SEMANTIC_CACHE_ENABLED', 'SEMANTIC_CACHE_THRESHOLD', 'SEMANTIC_CACHE_MAX_ENTRIES', 'SEMANTIC_CACHE_TTL_MS',
  'WORKSPACE_ROOT', 'WORKSPACE_TEST_COMMAND', 'WORKSPACE_TEST_ARGS', 'WORKSPACE_TEST_TIMEOUT_MS', 'WORKSPACE_TEST_SANDBOX',
  'POLICY_DISALLOWED_TOOLS', 'POLICY_GIT_ALLOW_PUSH', 'POLICY_GIT_ALLOW_PULL', 'POLICY_GIT_ALLOW_COMMIT', 'POLICY_FILE_ALLOWED_PATHS', 'POLICY_FILE_BLOCKED_PATHS',
  'WEB_FETCH_BODY_PREVIEW_MAX',
  'HISTORY_COMPRESSION_ENABLED', 'HISTORY_KEEP_RECENT_TURNS', 'HISTORY_SUMMARIZE_OLDER', 'TOKEN_BUDGET_WARNING', 'TOKEN_BUDGET_MAX', 'TOKEN_BUDGET_ENFORCEMENT',
  'SMART_TOOL_SELECTION_MODE', 'SMART_TOOL_SELECTION_TOKEN_BUDGET', 'SYSTEM_PROMPT_MODE'
]

/**
 * Lynkr variables only an opt-in plugin reads (on the lynkr side, an alias's target), by plugin: set while that
 * plugin is off, they have no effect, and the boot says so (a test checks this table against the manifests).
 * Provider settings are not here: like in Lynkr, they matter only once the provider is selected.
 */
export const READ_BY_OPT_IN_PLUGIN: Record<string, string[]> = {
  memory: ['MEMORY_RETRIEVAL_LIMIT', 'MEMORY_SURPRISE_THRESHOLD', 'MEMORY_MAX_AGE_DAYS', 'MEMORY_MAX_COUNT', 'MEMORY_INCLUDE_GLOBAL', 'MEMORY_INJECTION_FORMAT', 'MEMORY_EXTRACTION_ENABLED', 'MEMORY_DEDUP_ENABLED', 'MEMORY_DEDUP_LOOKBACK', 'MEMORY_DECAY_HALF_LIFE', 'MEMORY_DECAY_ENABLED'],
  'prompt-cache': ['PROMPT_CACHE_MAX_ENTRIES', 'PROMPT_CACHE_TTL_MS', 'SEMANTIC_CACHE_THRESHOLD', 'SEMANTIC_CACHE_MAX_ENTRIES', 'SEMANTIC_CACHE_TTL_MS'],
  'workspace-tools': ['WORKSPACE_ROOT', 'WORKSPACE_TEST_COMMAND', 'WORKSPACE_TEST_ARGS', 'WORKSPACE_TEST_TIMEOUT_MS', 'WORKSPACE_TEST_SANDBOX', 'POLICY_DISALLOWED_TOOLS', 'POLICY_GIT_ALLOW_PUSH', 'POLICY_GIT_ALLOW_PULL', 'POLICY_GIT_ALLOW_COMMIT', 'POLICY_FILE_ALLOWED_PATHS', 'POLICY_FILE_BLOCKED_PATHS', 'WEB_FETCH_BODY_PREVIEW_MAX', 'WEB_SEARCH_ALLOWED_HOSTS'],
  'history-compression': ['HISTORY_KEEP_RECENT_TURNS', 'HISTORY_SUMMARIZE_OLDER', 'TOKEN_BUDGET_WARNING', 'TOKEN_BUDGET_MAX', 'TOKEN_BUDGET_ENFORCEMENT'],
  'tool-selection': ['SMART_TOOL_SELECTION_TOKEN_BUDGET']
}

/** On in lynkr and not switchable: only a value that turns them off is worth a word. */
export const ALWAYS_ON: Record<string, string> = {
  METRICS_ENABLED: 'GET /metrics is always served (METRICS_PATH moves it)',
  HEALTH_CHECK_ENABLED: '/health/live and /health/ready are always served',
  TOKEN_TRACKING_ENABLED: 'every call is recorded in the usage ledger (USAGE_RETENTION_DAYS)',
  REQUEST_LOGGING_ENABLED: 'one log line per request',
  LYNKR_STICKY_SESSIONS: 'a Claude Code session keeps its provider while its tier is unchanged (ROUTER_SESSION_TTL_MS)'
}

/**
 * Read by lynkr under the same name with a different meaning: reported at boot when set, so a Lynkr user is not
 * surprised (a test checks that lynkr reads each).
 */
export const DIFFERENT_MEANING: Record<string, string> = {
  LYNKR_MAX_TOOL_TURNS: 'Lynkr answered 429 once a conversation carried more tool results than this; lynkr caps the model calls of its own gateway-tool loop per request (default 8) and never refuses a long conversation'
}

/** No effect on purpose: not worth a warning. */
export const IGNORED: Record<string, string> = {
  NODE_ENV: 'not read: lynkr behaves the same in every environment',
  PREFER_OLLAMA: 'deprecated in Lynkr itself (no effect there either); use TIER_SIMPLE=ollama:<model>'
}

/**
 * Not supported (yet), by feature. A value that turns the feature off (false, off, no) asks for nothing lynkr
 * lacks, so it is not reported; `fineWhen` names other such values.
 */
export const UNSUPPORTED: Record<string, { reason: string, variables: string[], fineWhen?: Record<string, string[]> }> = {
  'server-side tool execution': {
    reason: 'Lynkr\'s coverage files, test profiles and workspace index; workspace_run_tests runs WORKSPACE_TEST_COMMAND with WORKSPACE_TEST_ARGS, and workspace_grep/_glob search the files as they are',
    variables: ['WORKSPACE_TEST_COVERAGE_FILES', 'WORKSPACE_TEST_PROFILES', 'WORKSPACE_INDEX_ENABLED']
  },
  'policy guardrails': {
    reason: 'git test gating, commit-message rules, autostash and the safe-command list guarded Lynkr\'s server-side shell, which lynkr does not run; POLICY_MAX_TOOL_CALLS and POLICY_GIT_* guard its own tools',
    variables: ['POLICY_TOOL_LOOP_THRESHOLD', 'POLICY_GIT_TEST_COMMAND', 'POLICY_GIT_REQUIRE_TESTS', 'POLICY_GIT_COMMIT_REGEX', 'POLICY_GIT_AUTOSTASH', 'POLICY_SAFE_COMMANDS_ENABLED', 'POLICY_SAFE_COMMANDS_CONFIG']
  },
  'web search and fetch service': {
    reason: 'no web search backend; workspace_web_fetch reaches the hosts in POLICY_WEB_FETCH_ALLOWED_HOSTS',
    variables: ['WEB_SEARCH_ENDPOINT', 'WEB_SEARCH_API_KEY', 'WEB_SEARCH_ALLOW_ALL', 'WEB_SEARCH_TIMEOUT_MS', 'WEB_SEARCH_RETRY_ENABLED', 'WEB_SEARCH_MAX_RETRIES']
  },
  'TinyFish browser automation': {
    reason: 'a third-party browser-automation service, not integrated',
    variables: ['TINYFISH_API_KEY', 'TINYFISH_ENDPOINT', 'TINYFISH_BROWSER_PROFILE', 'TINYFISH_TIMEOUT_MS', 'TINYFISH_PROXY_ENABLED', 'TINYFISH_PROXY_COUNTRY']
  },
  'agents and task decomposition': {
    reason: 'lynkr runs no sub-agents of its own; Claude Code\'s Task tool works through lynkr as ordinary requests',
    variables: ['AGENTS_ENABLED', 'AGENTS_MAX_CONCURRENT', 'AGENTS_DEFAULT_MODEL', 'AGENTS_MAX_STEPS', 'AGENTS_TIMEOUT', 'TASK_DECOMPOSITION_ENABLED', 'SUGGESTION_MODE_MODEL'],
    fineWhen: { SUGGESTION_MODE_MODEL: ['default'] }
  },
  'MCP servers and sandbox': {
    reason: 'the sandbox has one hardened profile (MCP_SANDBOX_RUNTIME, _IMAGE, _ALLOW_NETWORKING, _EXTRA_MOUNTS); container limits, users, capabilities and permission lists are not settable; no code mode',
    variables: ['MCP_SANDBOX_CONTAINER_WORKSPACE', 'MCP_SANDBOX_MOUNT_WORKSPACE', 'MCP_SANDBOX_NETWORK_MODE', 'MCP_SANDBOX_PASSTHROUGH_ENV', 'MCP_SANDBOX_TIMEOUT_MS', 'MCP_SANDBOX_USER', 'MCP_SANDBOX_ENTRYPOINT', 'MCP_SANDBOX_REUSE_SESSION', 'MCP_SANDBOX_READ_ONLY_ROOT', 'MCP_SANDBOX_NO_NEW_PRIVILEGES', 'MCP_SANDBOX_DROP_CAPABILITIES', 'MCP_SANDBOX_ADD_CAPABILITIES', 'MCP_SANDBOX_MEMORY_LIMIT', 'MCP_SANDBOX_CPU_LIMIT', 'MCP_SANDBOX_PIDS_LIMIT', 'MCP_SANDBOX_PERMISSION_MODE', 'MCP_SANDBOX_PERMISSION_ALLOW', 'MCP_SANDBOX_PERMISSION_DENY', 'CODE_MODE_ENABLED', 'CODE_MODE_CACHE_TTL']
  },
  'long-term memory': {
    reason: 'recall is injected in one compact, cache-safe format; the TencentDB memory sidecar is not integrated',
    variables: ['MEMORY_FORMAT', 'TENCENTDB_MEMORY_ENABLED']
  },
  'token optimization': {
    reason: 'TOON, caveman output and large-payload cloning are not built; tool descriptions are trimmed by SMART_TOOL_SELECTION_MODE',
    variables: ['TOOL_DESCRIPTIONS', 'TOON_ENABLED', 'TOON_MIN_BYTES', 'TOON_FAIL_OPEN', 'TOON_LOG_STATS', 'CAVEMAN_ENABLED', 'CAVEMAN_LEVEL', 'LARGE_PAYLOAD_OPTIMIZATION', 'LARGE_PAYLOAD_THRESHOLD']
  },
  'Headroom compression sidecar': {
    reason: 'the Python sidecar is not integrated; TOOL_RESULT_COMPRESSION_ENABLED and HISTORY_COMPRESSION_ENABLED do part of its work',
    variables: ['HEADROOM_ENABLED', 'HEADROOM_ENDPOINT', 'HEADROOM_TIMEOUT_MS', 'HEADROOM_MIN_TOKENS', 'HEADROOM_MODE', 'HEADROOM_PROVIDER', 'HEADROOM_LOG_LEVEL', 'HEADROOM_DOCKER_ENABLED', 'HEADROOM_DOCKER_IMAGE', 'HEADROOM_DOCKER_CONTAINER_NAME', 'HEADROOM_DOCKER_PORT', 'HEADROOM_DOCKER_MEMORY_LIMIT', 'HEADROOM_DOCKER_CPU_LIMIT', 'HEADROOM_DOCKER_RESTART_POLICY', 'HEADROOM_DOCKER_NETWORK', 'HEADROOM_DOCKER_BUILD_CONTEXT', 'HEADROOM_DOCKER_AUTO_BUILD', 'HEADROOM_SMART_CRUSHER', 'HEADROOM_SMART_CRUSHER_MIN_TOKENS', 'HEADROOM_SMART_CRUSHER_MAX_ITEMS', 'HEADROOM_TOOL_CRUSHER', 'HEADROOM_CACHE_ALIGNER', 'HEADROOM_ROLLING_WINDOW', 'HEADROOM_KEEP_TURNS', 'HEADROOM_CCR', 'HEADROOM_CCR_TTL', 'HEADROOM_LLMLINGUA', 'HEADROOM_LLMLINGUA_DEVICE']
  },
  'routing intelligence': {
    reason: 'lynkr routes by TIER_* with its heuristic scorer, per-session stickiness and the fallback; kNN, cascades, preflight commands, Graphify, the Jev judge, weighted scoring and routing.json are not built',
    variables: ['LYNKR_VISIBLE_ROUTING', 'LYNKR_PREFLIGHT_ENABLED', 'LYNKR_PREFLIGHT_TIMEOUT_MS', 'LYNKR_INTENT_WINDOW_N', 'LYNKR_INTENT_DECAY', 'LYNKR_SWITCH_MAX_PROMPT_TOKENS', 'LYNKR_KNN_MIN_INDEX_SIZE', 'LYNKR_KNN_CONFIDENCE_HIGH', 'LYNKR_KNN_CONFIDENCE_LOW', 'LYNKR_SESSION_FINGERPRINT', 'LYNKR_PIN_DRIFT_MARGIN', 'LYNKR_CASCADE_ENABLED', 'LYNKR_KNN_DIR', 'OLLAMA_MAX_TOOLS_FOR_ROUTING', 'OPENROUTER_MAX_TOOLS_FOR_ROUTING', 'CODE_GRAPH_ENABLED', 'CODE_GRAPH_COMMAND', 'CODE_GRAPH_WORKSPACE', 'CODE_GRAPH_TIMEOUT', 'LYNKR_ROUTING_CONFIG', 'ROUTING_WEIGHTED_SCORING', 'ROUTING_AGENTIC_DETECTION', 'ROUTING_COST_OPTIMIZATION', 'ROUTING_KNN_ENABLED', 'TYPESAFE_API_KEY']
  },
  'in-process embeddings': {
    reason: 'embeddings come from a provider (EMBEDDINGS_PROVIDER: ollama, llamacpp, openrouter or openai), not an ONNX model run inside the gateway',
    variables: ['LYNKR_EMBEDDINGS_PROVIDER', 'LYNKR_ONNX_EMBEDDING_MODEL', 'LYNKR_ONNX_CACHE_DIR', 'LYNKR_ONNX_DTYPE']
  },
  'loop guard': {
    reason: 'lynkr never refuses a long conversation; its own tool loop is capped by LYNKR_MAX_TOOL_TURNS',
    variables: ['LYNKR_MAX_SESSION_TURNS'],
    fineWhen: { LYNKR_MAX_SESSION_TURNS: ['0'] }
  },
  'OpenTelemetry metrics push': {
    reason: 'no OTLP push; scrape GET /metrics',
    variables: ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_HEADERS', 'LYNKR_OTEL_ENDPOINT', 'LYNKR_OTEL_EXPORT_INTERVAL_MS']
  },
  'Claude Desktop gateway': {
    reason: '/v1/models lists the configured models; Lynkr\'s Desktop picker slots are not built',
    variables: ['CLAUDE_DESKTOP_GATEWAY', 'CLAUDE_DESKTOP_GATEWAY_MAX_TOKENS'],
    fineWhen: { CLAUDE_DESKTOP_GATEWAY: ['0'] }
  },
  'rate limiting and request security': {
    reason: 'no rate limiter or content filter; set LYNKR_API_KEY and put a reverse proxy in front',
    variables: ['RATE_LIMIT_ENABLED', 'RATE_LIMIT_WINDOW_MS', 'RATE_LIMIT_MAX', 'RATE_LIMIT_KEY_BY', 'SECURITY_CONTENT_FILTER_ENABLED', 'SECURITY_BLOCK_ON_DETECTION', 'SECURITY_RATE_LIMIT_ENABLED', 'SECURITY_PER_IP_LIMIT', 'SECURITY_PER_ENDPOINT_LIMIT', 'SECURITY_AUDIT_LOG_ENABLED', 'SECURITY_AUDIT_LOG_DIR']
  },
  'log files and LLM audit log': {
    reason: 'one log line per request on stdout (JSON when not a terminal): redirect or ship it; no prompt audit log',
    variables: ['LOG_FILE_ENABLED', 'LOG_FILE_PATH', 'LOG_FILE_LEVEL', 'LOG_FILE_FREQUENCY', 'LOG_FILE_MAX_FILES', 'LLM_AUDIT_ENABLED', 'LLM_AUDIT_LOG_FILE', 'LLM_AUDIT_MAX_CONTENT_LENGTH', 'LLM_AUDIT_MAX_SYSTEM_LENGTH', 'LLM_AUDIT_MAX_USER_LENGTH', 'LLM_AUDIT_MAX_RESPONSE_LENGTH', 'LLM_AUDIT_MAX_FILES', 'LLM_AUDIT_MAX_SIZE', 'LLM_AUDIT_ANNOTATIONS', 'LLM_AUDIT_DEDUP_ENABLED', 'LLM_AUDIT_DEDUP_DICT_PATH', 'LLM_AUDIT_DEDUP_MIN_SIZE', 'LLM_AUDIT_DEDUP_CACHE_SIZE', 'LLM_AUDIT_DEDUP_SANITIZE', 'LLM_AUDIT_DEDUP_SESSION_CACHE', 'OVERSIZED_ERROR_LOGGING_ENABLED', 'OVERSIZED_ERROR_THRESHOLD', 'OVERSIZED_ERROR_LOG_DIR', 'OVERSIZED_ERROR_MAX_FILES']
  },
  'hot reload, cluster and worker pool': {
    reason: 'restart to apply .env changes; one process (run several behind a balancer); long token counts yield to the event loop in slices',
    variables: ['HOT_RELOAD_ENABLED', 'HOT_RELOAD_DEBOUNCE_MS', 'CLUSTER_ENABLED', 'CLUSTER_WORKERS', 'WORKER_POOL_ENABLED', 'WORKER_POOL_SIZE', 'WORKER_TASK_TIMEOUT_MS', 'WORKER_OFFLOAD_THRESHOLD_BYTES']
  },
  resilience: {
    reason: 'one successful probe closes an open breaker (CIRCUIT_BREAKER_COOLDOWN_MS)',
    variables: ['CIRCUIT_BREAKER_SUCCESS_THRESHOLD']
  },
  'spend budgets': {
    reason: 'no budget enforcer; cost per day, provider and model is in the usage ledger (lynkr usage)',
    variables: ['LYNKR_BUDGET_ENFORCER']
  },
  'other providers and provider options': {
    reason: 'Codex CLI, OrcaRouter and OpenClaw are not providers here, and Lynkr\'s streaming switches have no counterpart; MODEL_DEFAULT: the client\'s model or the provider\'s *_MODEL applies',
    variables: ['CODEX_ENABLED', 'CODEX_MODEL', 'CODEX_BINARY_PATH', 'CODEX_TIMEOUT', 'MODEL_DEFAULT', 'OPENCLAW_MODE', 'LYNKR_OLLAMA_BUFFER_RESPONSES', 'LYNKR_STREAM_TRANSFORM_PROVIDERS', 'LYNKR_NATIVE_PASSTHROUGH', 'ORCAROUTER_API_KEY', 'ORCA_BASE_URL', 'ORCA_AUTH_BASE_URL', 'ORCA_API_BASE_URL']
  }
}

/**
 * Lynkr's feature switches: while one is off (or unset, for a feature Lynkr had off by default), the settings
 * under its prefix ask for nothing and are not reported.
 */
export const SWITCHES: Array<{ prefix: string, variable: string, onByDefault: boolean }> = [
  { prefix: 'LYNKR_PREFLIGHT_', variable: 'LYNKR_PREFLIGHT_ENABLED', onByDefault: false },
  { prefix: 'CAVEMAN_', variable: 'CAVEMAN_ENABLED', onByDefault: false },
  { prefix: 'TOON_', variable: 'TOON_ENABLED', onByDefault: false },
  { prefix: 'HEADROOM_', variable: 'HEADROOM_ENABLED', onByDefault: false },
  { prefix: 'HEADROOM_LLMLINGUA_', variable: 'HEADROOM_LLMLINGUA', onByDefault: false },
  { prefix: 'HEADROOM_DOCKER_', variable: 'HEADROOM_DOCKER_ENABLED', onByDefault: true },
  { prefix: 'TINYFISH_', variable: 'TINYFISH_API_KEY', onByDefault: false },
  { prefix: 'AGENTS_', variable: 'AGENTS_ENABLED', onByDefault: false },
  { prefix: 'MEMORY_', variable: 'MEMORY_ENABLED', onByDefault: true },
  { prefix: 'MEMORY_DEDUP_', variable: 'MEMORY_DEDUP_ENABLED', onByDefault: true },
  { prefix: 'MEMORY_DECAY_', variable: 'MEMORY_DECAY_ENABLED', onByDefault: true },
  { prefix: 'PROMPT_CACHE_', variable: 'PROMPT_CACHE_ENABLED', onByDefault: true },
  { prefix: 'SEMANTIC_CACHE_', variable: 'SEMANTIC_CACHE_ENABLED', onByDefault: true },
  { prefix: 'HISTORY_', variable: 'HISTORY_COMPRESSION_ENABLED', onByDefault: true },
  { prefix: 'RATE_LIMIT_', variable: 'RATE_LIMIT_ENABLED', onByDefault: true },
  { prefix: 'HOT_RELOAD_', variable: 'HOT_RELOAD_ENABLED', onByDefault: true },
  { prefix: 'CLUSTER_', variable: 'CLUSTER_ENABLED', onByDefault: false },
  { prefix: 'WORKER_', variable: 'WORKER_POOL_ENABLED', onByDefault: true },
  { prefix: 'LOG_FILE_', variable: 'LOG_FILE_ENABLED', onByDefault: false },
  { prefix: 'LLM_AUDIT_', variable: 'LLM_AUDIT_ENABLED', onByDefault: false },
  { prefix: 'LLM_AUDIT_DEDUP_', variable: 'LLM_AUDIT_DEDUP_ENABLED', onByDefault: true },
  { prefix: 'OVERSIZED_ERROR_', variable: 'OVERSIZED_ERROR_LOGGING_ENABLED', onByDefault: true },
  { prefix: 'CODE_GRAPH_', variable: 'CODE_GRAPH_ENABLED', onByDefault: false },
  { prefix: 'CODE_MODE_', variable: 'CODE_MODE_ENABLED', onByDefault: false },
  { prefix: 'MCP_SANDBOX_', variable: 'MCP_SANDBOX_ENABLED', onByDefault: true },
  { prefix: 'CODEX_', variable: 'CODEX_ENABLED', onByDefault: true },
  { prefix: 'CLAUDE_DESKTOP_GATEWAY_', variable: 'CLAUDE_DESKTOP_GATEWAY', onByDefault: true },
  // OrcaRouter's URLs only matter with its key.
  { prefix: 'ORCA_', variable: 'ORCAROUTER_API_KEY', onByDefault: false }
]

/** Values that turn a feature off. */
export const OFF_VALUES = ['false', 'off', 'no']

/** Lynkr's defaults lynkr changed on purpose, with the reason (README migration table). */
export const DIFFERENT_DEFAULTS: Array<{ variable: string, lynkr: string, ours: string, why: string }> = [
  { variable: 'HOST', lynkr: 'all interfaces', ours: '127.0.0.1', why: 'a gateway that holds provider keys is not open to the network unless you say so (HOST=0.0.0.0, ideally with LYNKR_API_KEY)' },
  { variable: 'REQUEST_JSON_LIMIT', lynkr: '1gb', ours: '32mb', why: 'Anthropic\'s own limit, and the largest lynkr accepts: a larger value (1gb included) is lowered to 32mb with a boot warning, since every body is held in memory several times while it is parsed and translated and a few large ones can take the process down; Claude Code\'s largest requests fit' },
  { variable: 'MODEL_PROVIDER', lynkr: 'databricks', ours: 'ollama', why: 'starts with nothing but a local Ollama; no key needed' },
  { variable: 'OLLAMA_TIMEOUT_MS (and the llama.cpp / LM Studio ones)', lynkr: '120000', ours: '600000', why: 'a local model that is still loading takes minutes to answer its first request' },
  { variable: 'HISTORY_COMPRESSION_ENABLED, TOOL_TRUNCATION_ENABLED (TOOL_RESULT_COMPRESSION_ENABLED)', lynkr: 'true', ours: 'false', why: 'on a provider with prompt caching, rewriting the prompt costs more than it saves unless done the way these phases do it; measure with pnpm bench:tokens, then turn them on' },
  { variable: 'PORT', lynkr: '8080 (8081 in its .env.example)', ours: '8081', why: 'what the .env.example and the Docker image used' },
  { variable: 'MEMORY_ENABLED', lynkr: 'true', ours: 'false', why: 'memory stores what is said and adds it to later prompts: a choice to make, not a default' },
  { variable: 'SMART_TOOL_SELECTION_MODE, SYSTEM_PROMPT_MODE', lynkr: 'heuristic, dynamic (always on)', ours: 'unset (off)', why: 'both rewrite the prompt Claude Code sent; measure with pnpm bench:tokens, then turn them on' },
  { variable: 'PROMPT_CACHE_ENABLED, SEMANTIC_CACHE_ENABLED', lynkr: 'true, true', ours: 'plugin off; semantic cache false', why: 'the plugin is opt-in; a semantic hit answers a new prompt with an earlier, similar one\'s answer, which can be wrong' },
  { variable: 'TOOL_EXECUTION_MODE=server', lynkr: 'Lynkr\'s own file, git, shell and test tools', ours: 'MCP servers and memory tools; workspace tools only with WORKSPACE_TOOLS_ENABLED=true', why: 'tools that write files and run commands on the gateway\'s host are opt-in' }
]
