import { test } from 'node:test'
import assert from 'node:assert/strict'
import { manifest, timeoutsFrom } from './index.ts'

test('upstream timeouts: agent-friendly defaults, gateway-wide settings, per-provider overrides', () => {
  const defaults = { firstByteMs: 300_000, idleMs: 180_000, requestMs: 600_000, streamMs: 1_800_000 }
  const timeouts = timeoutsFrom({ OLLAMA_FIRST_BYTE_TIMEOUT_MS: '900000', Z_AI_IDLE_TIMEOUT_MS: '20000', OLLAMA_STREAM_TIMEOUT_MS: '7200000' }, defaults)
  assert.deepEqual(timeouts('openai'), defaults)
  assert.deepEqual(timeouts('ollama'), { ...defaults, firstByteMs: 900_000, streamMs: 7_200_000 }, 'a slow local model gets longer to its first token and to its end')
  assert.deepEqual(timeouts('z-ai'), { ...defaults, idleMs: 20_000 })
  assert.throws(() => timeoutsFrom({ OPENAI_IDLE_TIMEOUT_MS: '5s' }, defaults)('openai'), /OPENAI_IDLE_TIMEOUT_MS="5s" must be a number of milliseconds/)
})

test('router options: tiers only when all four are set; fallback only with tiers', () => {
  const runtime = (env: Record<string, string>) => ({ env })
  const base = { ROUTER_SESSION_TTL_MS: 3_600_000, ROUTER_SESSION_MAX: 10, UPSTREAM_FIRST_BYTE_TIMEOUT_MS: 1, UPSTREAM_IDLE_TIMEOUT_MS: 1, UPSTREAM_REQUEST_TIMEOUT_MS: 1, UPSTREAM_STREAM_TIMEOUT_MS: 1, UPSTREAM_MAX_RETRIES: 2, UPSTREAM_RETRY_BASE_MS: 1, UPSTREAM_RETRY_MAX_DELAY_MS: 1, CIRCUIT_BREAKER_FAILURE_THRESHOLD: 5, CIRCUIT_BREAKER_COOLDOWN_MS: 10 }
  const tiers = { TIER_SIMPLE: 'ollama:qwen2.5:0.5b', TIER_MEDIUM: 'Ollama:qwen2.5-coder:7b', TIER_COMPLEX: 'openai:gpt-4o', TIER_REASONING: 'openai:o3' }
  const on = manifest.toOptions({ ...base, ...tiers }, runtime({ ...tiers, FALLBACK_PROVIDER: 'openai:gpt-4o-mini' }))
  assert.deepEqual(on.tiers?.SIMPLE, { provider: 'ollama', model: 'qwen2.5:0.5b' }, 'split at the first colon')
  assert.deepEqual(on.tiers?.MEDIUM, { provider: 'ollama', model: 'qwen2.5-coder:7b' })
  assert.deepEqual(on.fallback, { provider: 'openai', model: 'gpt-4o-mini' })
  const partial = manifest.toOptions({ ...base, TIER_SIMPLE: 'ollama:a' }, runtime({ FALLBACK_PROVIDER: 'ollama' }))
  assert.equal(partial.tiers, null)
  assert.equal(partial.fallback, null)
})
