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
  const sum = (mix: PromptMix): number => Object.values(mix).reduce((total, value) => total + value, 0)
  const before = sum(passthrough)
  // What 60 % needs, against what the phases may still cut (tools and system stay on a cache-capable cloud).
  const needed = sum(all) - before * 0.4
  const cuttable = all['tool results'] + all['tool calls'] + all.text
  const fixed = all.tools + all.system
  const need = needed <= 0 ? '' : `; 60 % needs ${Math.round(needed).toLocaleString('en-US')} more tokens cut, ${share(needed, cuttable)} of the tool results, tool calls and text still sent (tools and system alone are ${share(fixed, before)} of passthrough's input)`
  return `what is still sent: ${describeMix(all)}; cut per part: ${(['tool results', 'tools', 'system', 'text', 'tool calls'] as PromptPart[]).map(cut).filter(Boolean).join(', ')}${need} (Claude Code's tools and system prompt are kept on a cache-capable cloud upstream, where they are cache reads; file reads are not cut by default, and what the next edit needs is kept)`
}

/**
 * Why the cost target is missed, in units of passthrough's cost: what the run pays for cache reads, cache
 * writes and fresh input. Each turn's new content is written once (1.25× on Anthropic) whatever is cleared
 * later, so the writes are a floor only cutting new content on arrival lowers.
 */
export function whyCost (run: RunTotals, passthrough: RunTotals): string {
  const parts = (totals: RunTotals): Array<[string, number]> => {
    const fresh = totals.input - totals.cacheRead - totals.cacheWrite
    return [['cache reads', totals.cacheRead * ANTHROPIC_PRICING.read], ['cache writes', totals.cacheWrite * ANTHROPIC_PRICING.write], ['fresh input', fresh]]
  }
  const base = passthrough.cost
  const describe = (totals: RunTotals): string => parts(totals).filter(([, value]) => value > 0).map(([name, value]) => `${name} ${(value / base).toFixed(3)}`).join(', ')
  return `of cached passthrough's cost, this run pays ${describe(run)}; passthrough ${describe(passthrough)}`
}
