import type { ChatMessage, ChatRequest, TextBlock } from '@lynkr/protocol'

/** Claude Code marks its requests with a billing header block and names itself (or the Agent SDK). */
export function isClaudeCode (request: Pick<ChatRequest, 'system'>): boolean {
  return (request.system ?? []).some((block) => block.text.startsWith('x-anthropic-billing-header:') || /\bClaude (Code|Agent SDK)\b/.test(block.text))
}

/** Facts of the environment block (working directory, platform, date…) as Claude Code states them, any version. */
const ENVIRONMENT_LINE = /^\s*(?:-\s*)?(?:Primary working directory|Working directory|Additional working directories|Is (?:a |directory a )?git repo(?:sitory)?|Platform|Shell|OS Version|Today's date|Current branch)\b.*$/gim
const IDENTITY = /^You are [^\n.]*(?:\.|$)/m

function environmentLines (text: string): string[] {
  return [...text.matchAll(ENVIRONMENT_LINE)].map((match) => match[0].trim().replace(/^-\s*/, ''))
}

/** The rules a small model needs to drive Claude Code's tools, naming only the tools it has. */
function toolRules (tools: ReadonlySet<string>): string {
  const rules = ['Act with tool calls instead of describing what you would do; when the task is done, answer briefly with the result.']
  if (tools.has('Bash')) rules.push('Run shell commands with Bash.')
  if (tools.has('Read')) rules.push('Read files with Read (absolute paths) before changing them.')
  if (tools.has('Edit')) rules.push('Change files with Edit: old_string must match the file exactly and be unique.')
  if (tools.has('Write')) rules.push('Create files with Write.')
  if (tools.has('ToolSearch')) rules.push('Deferred tools must be loaded with ToolSearch ("select:<name>") before they are called.')
  rules.push('Text you write outside tool calls is shown to the user as Markdown; keep it short.')
  return rules.join(' ')
}

/**
 * Claude Code's system prompt for a small window: its opening identity line, the tool-use rules that
 * matter, and its environment facts. The long guidance (harness, memory, pronouns, security policy, model
 * names) goes. One block, carrying the cache marker the last marked block had.
 */
export function compactClaudeCodeSystem (system: readonly TextBlock[], tools: ReadonlySet<string>): TextBlock[] {
  const texts = system.map((block) => block.text).filter((text) => !text.startsWith('x-anthropic-billing-header:'))
  const joined = texts.join('\n\n')
  const identity = IDENTITY.exec(joined)?.[0] ?? 'You are Claude Code, a command-line coding agent.'
  const lines = [identity, toolRules(tools)]
  const environment = environmentLines(joined)
  if (environment.length > 0) lines.push(['# Environment', ...environment.map((line) => ` - ${line}`)].join('\n'))
  const marker = [...system].reverse().find((block) => block.cache_control != null)?.cache_control
  const block: TextBlock = { type: 'text', text: lines.join('\n\n') }
  if (marker != null) block.cache_control = marker
  return [block]
}

/**
 * One of Claude Code's mid-conversation system messages (2.1 states its environment there, with the
 * deferred tools, agent types and skills): the environment facts kept, each listing cut to names — and
 * dropped when the tool it is for (ToolSearch, Agent, Skill) is not offered —, other paragraphs kept.
 */
export function compactClaudeCodeSystemMessage (text: string, tools: ReadonlySet<string>): string {
  const out: string[] = []
  let listing: 'skills' | undefined
  for (const paragraph of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const trimmed = paragraph.trim()
    if (trimmed === '') continue
    if (listing === 'skills' && /^- [^:\n]+:/.test(trimmed)) {
      if (tools.has('Skill')) out.push(`Skills for the Skill tool: ${names(trimmed).join(', ')}`)
      continue
    }
    listing = undefined
    if (/^# Environment\b/.test(trimmed) || /^<env>/.test(trimmed)) {
      const environment = environmentLines(trimmed)
      if (environment.length > 0) out.push(['# Environment', ...environment.map((line) => ` - ${line}`)].join('\n'))
    } else if (/^The following deferred tools are now available/.test(trimmed)) {
      if (tools.has('ToolSearch')) out.push(`Deferred tools (load with ToolSearch "select:<name>" before calling): ${trimmed.split('\n').slice(1).map((line) => line.trim()).filter((line) => line !== '').join(', ')}`)
    } else if (/^Available agent types for the Agent tool/.test(trimmed)) {
      if (tools.has('Agent')) out.push(`Agent types for the Agent tool: ${names(trimmed.split('\n').slice(1).join('\n')).join(', ')}`)
    } else if (/^When you launch multiple agents/.test(trimmed)) {
      if (tools.has('Agent')) out.push(trimmed)
    } else if (/^The following skills are available/.test(trimmed)) {
      listing = 'skills'
    } else if (/^You are powered by the model/.test(trimmed)) {
      // The model is not the one named there.
    } else {
      out.push(trimmed)
    }
  }
  return out.join('\n\n')
}

/** The names of a `- name: description` list. */
function names (list: string): string[] {
  return [...list.matchAll(/^- ([^:\n]+):/gm)].map((match) => match[1]!.trim())
}

/** Whether a conversation message is one of Claude Code's system messages this profile shortens. */
export function isClaudeCodeSystemMessage (message: ChatMessage): boolean {
  if (message.role !== 'system') return false
  return message.content.some((block) => block.type === 'text' && /(^|\n)(# Environment|<env>|The following (deferred tools|skills) are)/.test(block.text))
}

/** Safe for any prompt: trailing spaces and runs of blank lines go, nothing else. */
export function tidyWhitespace (text: string): string {
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n')
}
