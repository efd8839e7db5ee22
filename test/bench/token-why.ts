/**
 * The "why" of the token report (`pnpm bench:tokens`): where a run's remaining input and cost go, so a target
 * that is out of reach is explained by what is left, not just by how far it is missed.
 */
import type { PromptBlock } from './token-cost-model.ts'
import { ANTHROPIC_PRICING, OPENAI_PRICING, type RunTotals } from './token-cost-model.ts'

export type PromptPart = 'tools' | 'system' | 'tool results' | 'tool calls' | 'text'
export type PromptMix = Record<PromptPart, number>

export function emptyMix (): PromptMix {
  return { tools: 0, system: 0, 'tool results': 0, 'tool calls': 0, text: 0 }
}

/** Which part of the prompt a block (from anthropicBlocks or chatBlocks) is. */
export function partOf (block: PromptBlock): PromptPart {
  const key = block.key
  if (key.startsWith('tool:')) return 'tools'
  if (key.startsWith('system:')) return 'system'
  let value: Record<string, unknown>
  try { value = JSON.parse(key.replace(/^\d+:\w+:/, '')) as Record<string, unknown> } catch { return 'text' }
  // Anthropic content blocks carry a type; OpenAI Chat / Ollama messages a role.
  if (value.type === 'tool_result' || value.role === 'tool') return 'tool results'
  if (value.type === 'tool_use' || Array.isArray(value.tool_calls)) return 'tool calls'
  if (value.role === 'system') return 'system'
  return 'text'
}

/** Adds one upstream request's blocks to a mix (tokens per part, summed over the run's requests). */
export function addToMix (mix: PromptMix, blocks: PromptBlock[]): void {
  for (const block of blocks) mix[partOf(block)] += block.tokens
}

const share = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round(part / whole * 100)} %`

/** "tool results 61 %, tools 20 %, …": the largest parts of what the run still sends. */
export function describeMix (mix: PromptMix): string {
  const total = Object.values(mix).reduce((sum, value) => sum + value, 0)
  return (Object.entries(mix) as Array<[PromptPart, number]>).filter(([, value]) => value > 0).sort((a, b) => b[1] - a[1]).map(([part, value]) => `${part} ${share(value, total)}`).join(', ')
}

/** Where a run's cost goes on a cache-priced profile: cache reads, cache writes and fresh input, as shares of the cost. */
export function describeCost (run: RunTotals, profile: 'anthropic' | 'openai'): string {
  const read = profile === 'anthropic' ? ANTHROPIC_PRICING.read : OPENAI_PRICING.read
  const write = profile === 'anthropic' ? ANTHROPIC_PRICING.write : 1
  const fresh = run.input - run.cacheRead - run.cacheWrite
  const parts: Array<[string, number]> = [['cache reads', run.cacheRead * read], ['cache writes', run.cacheWrite * write], ['fresh input', fresh]]
  const total = parts.reduce((sum, [, value]) => sum + value, 0)
  return parts.filter(([, value]) => value > 0).map(([name, value]) => `${name} ${share(value, total)}`).join(', ')
}

/**
 * Why the input-token target is missed: the parts the phases leave on a cache-capable cloud upstream by design
 * (tools and system prompt are the cached prefix; file reads are not cut by default) against what they cut.
 */
export function whyInput (all: PromptMix, passthrough: PromptMix): string {
  const cut = (part: PromptPart): string => passthrough[part] === 0 ? '' : `${part} −${share(passthrough[part] - all[part], passthrough[part])}`
  return `what is still sent: ${describeMix(all)}; cut per part: ${(['tool results', 'tools', 'system', 'text', 'tool calls'] as PromptPart[]).map(cut).filter(Boolean).join(', ')} (Claude Code's tools and system prompt are kept on a cache-capable cloud upstream, where they are cache reads; file reads are not cut by default)`
}
