import type { ModelLimits } from '@lynkr/core'

export interface ClaudeModelInfo extends ModelLimits {
  family: 'opus' | 'sonnet' | 'haiku'
  /** Major and minor version, e.g. [4, 5] for claude-sonnet-4-5. */
  version: [number, number]
  /** `thinking: {type: "adaptive"}` (Opus 4.6 and later); older models need `enabled` + `budget_tokens`. */
  adaptiveThinking: boolean
  contextWindow: number
  maxOutputTokens: number
}

/**
 * Parses Claude model ids in every spelling we meet: Anthropic (`claude-sonnet-4-5-20250929`,
 * `claude-3-7-sonnet-latest`), Bedrock (`us.anthropic.claude-opus-4-1-20250805-v1:0`, ARNs) and aliases
 * (`claude-opus-5-5`). Returns undefined for anything else (GLM behind an Anthropic-format endpoint).
 */
export function claudeModelInfo (model: string, options: { betas?: readonly string[] } = {}): ClaudeModelInfo | undefined {
  const id = model.toLowerCase().split('/').at(-1) ?? ''
  let family: ClaudeModelInfo['family'] | undefined
  let major: number | undefined
  let minor = 0
  // New scheme: claude-<family>-<major>[-<minor>][-<date>]
  let match = /claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:\b|-|$)/.exec(id)
  if (match !== null) {
    family = match[1] as ClaudeModelInfo['family']
    major = Number(match[2])
    minor = match[3] === undefined ? 0 : Number(match[3])
  } else {
    // Old scheme: claude-<major>[-<minor>]-<family>
    match = /claude-(\d+)(?:-(\d{1,2}))?-(opus|sonnet|haiku)/.exec(id)
    if (match === null) return undefined
    family = match[3] as ClaudeModelInfo['family']
    major = Number(match[1])
    minor = match[2] === undefined ? 0 : Number(match[2])
  }
  const at = (a: number, b: number): boolean => major! > a || (major === a && minor >= b)
  let maxOutputTokens: number
  if (at(4, 6)) maxOutputTokens = 128_000
  else if (major === 4 && family === 'opus' && minor < 5) maxOutputTokens = 32_000
  else if (at(3, 7)) maxOutputTokens = 64_000
  else if (major === 3 && minor === 5) maxOutputTokens = 8192
  else maxOutputTokens = 4096
  let contextWindow = 200_000
  const oneMillion = options.betas?.some((flag) => flag.startsWith('context-1m-')) === true
  if (oneMillion && family === 'sonnet' && major === 4) contextWindow = 1_000_000
  return { family, version: [major, minor], adaptiveThinking: at(4, 6), contextWindow, maxOutputTokens }
}
