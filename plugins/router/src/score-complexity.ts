import type { ChatMessage, ChatRequest, ContentBlock } from '@lynkr/protocol'

export type Tier = 'SIMPLE' | 'MEDIUM' | 'COMPLEX' | 'REASONING'
export const TIERS: readonly Tier[] = ['SIMPLE', 'MEDIUM', 'COMPLEX', 'REASONING']

export interface ComplexityScore {
  /** 0–100. */
  score: number
  tier: Tier
  /** Each factor's contribution (points before saturation for the work factors), for the debug log. */
  factors: Record<string, number>
}

/** SIMPLE 0–25, MEDIUM 26–50, COMPLEX 51–75, REASONING 76–100. */
export function tierForScore (score: number): Tier {
  if (score <= 25) return 'SIMPLE'
  if (score <= 50) return 'MEDIUM'
  if (score <= 75) return 'COMPLEX'
  return 'REASONING'
}

// Agent clients (Claude Code) send the same system prompt, tool list and thinking setting on every
// request, and wrap context in <system-reminder> blocks inside user turns: none of that says anything
// about the task, so the score reads only what varies — the human's latest instruction and the work done
// on it since (tool calls, files, failures).
const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>/g
const WRAPPER_TAGS = /<\/?(?:command-name|command-message|command-args|local-command-stdout|user-prompt-submit-hook)>/g

const CHITCHAT = /^(?:hi|hello|hey|yo|hiya|thanks|thank you|thx|ty|ok|okay|k|cool|great|nice|perfect|awesome|good (?:morning|afternoon|evening)|sounds good|lgtm|yes|no|yep|nope|sure|got it)\b[\s!.,:)]*(?:that (?:worked|works)[!.]*)?[\s!.]*$/i
const QUESTION = /^(?:(?:cool|ok|okay|great|nice|now|please|and|so)[,!.]?\s+)?(?:what|what's|whats|where|which|who|when|how do i|how can i|how do you|how to|is there|are there|does|do we|can you (?:show|tell|list|explain what|remind)|show me|list|print|tell me|explain what|commit|push|pull|stage|stash|run the|open)\b/i
const DEFINITION = /^(?:what(?:'s| is| are| does)|define|explain what)\b/i

const EDIT_CUES = /\b(?:fix|fixes|change|add|adds|update|rename|remove|delete|replace|bump|convert|write|make|implement|create|sort|move|extract|set up|wire|hook up|apply|enable|disable)\b/gi
const SCOPE_CUES = /\b(?:refactor\w*|migrat\w+|restructur\w+|rewrite|re-architect\w*|port (?:the|it|this|our|from|to)|overhaul|(?:convert|switch|move) (?:the|our) (?:\w+ )?(?:app|project|codebase|service|backend|frontend|monorepo)|throughout|everywhere|across (?:the|all|every)|all (?:the )?(?:\w+ )?(?:files|modules|components|endpoints|routes|handlers|services|usages|call ?sites|tests|controllers|list endpoints)|every (?:route|handler|file|module|component|endpoint|usage|test|controller|service)|codebase|whole (?:project|app|repo)|entire (?:project|app|repo|codebase)|end-to-end|plugin system|upgrade (?:the project|from)|split (?:the|this)|(?:all|three|four|five|several|multiple) (?:\w+ )?(?:controllers|modules|services|endpoints|components|files|flows|layers))\b/gi
const STRONG_REASONING = /\b(?:prove|proof|invariants?|deadlock\w*|race condition\w*|root cause|architecture|architect|design (?:a|an|the) (?:\w+ )?(?:architecture|schema|system|protocol)|trade-?offs?|formal(?:ly)?|correctness|theorem|linearizab\w+|consisten(?:cy|t) models?|safety property|think (?:hard|harder|deeply|step by step)|ultrathink|megathink|derive|time complexity|thundering herd|clock drift|explain why|terminat\w+)\b/gi
const WEAK_REASONING = /\b(?:why|analy[sz]e|investigat\w+|evaluate|compare|reason about|diagnos\w+|intermittent\w*|flaky|memory leak|leaks?|bottleneck|latency|p99|scalab\w+|security|attacks?|concurren\w+|ordering|recommend\w*|failure modes?|weigh|consider|interleavings?)\b/gi

const FILE_MENTION = /(?:^|[\s`'"(])(?:[\w.-]+\/)*[\w-]+\.(?:[jt]sx?|mjs|cjs|py|go|rs|rb|java|kt|cs|c|h|cpp|hpp|swift|php|json|ya?ml|toml|md|sql|sh|css|scss|html|vue|svelte|tf|proto)\b/g
const STACK_TRACE = /(?:\n\s+at [\w.<>$]+ ?\(|Traceback \(most recent call last\)|goroutine \d+ \[|panicked at|Exception in thread|\bError: .+\n|heap snapshot|flame ?graph)/i
const CODE_BLOCK = /```/
const LIST_ITEM = /(?:^|\n)\s*(?:[-*•]|\d+[.)])\s+\S/g
/** "routes, middleware, error handling and tests": a task that names three or more areas. */
const ENUMERATION = /\b[\w-]+(?: [\w-]+)?, [\w-]+(?: [\w-]+)?,? (?:and|&) [\w-]+/
const QUOTED = /'[^'\n]{3,}'|"[^"\n]{3,}"/g

const FILE_KEYS = ['file_path', 'path', 'notebook_path']
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'str_replace_based_edit_tool', 'apply_patch'])

function textOf (block: ContentBlock): string {
  return block.type === 'text' ? block.text : ''
}

/** What the human typed in a user turn, without injected reminders and command wrappers. */
export function humanText (message: ChatMessage): string {
  if (message.role !== 'user') return ''
  return message.content.map(textOf).join('\n').replace(REMINDER, ' ').replace(WRAPPER_TAGS, ' ').trim()
}

interface TaskView {
  text: string
  /** Index of the message holding the task statement. */
  index: number
}

/** The latest user turn that has human text; tool-result turns continue the task stated before them. */
export function currentTask (messages: ChatMessage[]): TaskView {
  for (let i = messages.length - 1; i >= 0; i--) {
    const text = humanText(messages[i]!)
    if (text !== '') return { text, index: i }
  }
  return { text: '', index: -1 }
}

interface WorkSoFar { toolCalls: number, files: number, edits: number, errors: number, resultChars: number }

function workSince (messages: ChatMessage[], from: number): WorkSoFar {
  const files = new Set<string>()
  const work: WorkSoFar = { toolCalls: 0, files: 0, edits: 0, errors: 0, resultChars: 0 }
  for (let i = from + 1; i < messages.length; i++) {
    for (const block of messages[i]!.content) {
      if (block.type === 'tool_use') {
        work.toolCalls++
        if (EDIT_TOOLS.has(block.name)) work.edits++
        const input = block.input as Record<string, unknown> | null
        for (const key of FILE_KEYS) {
          const value = input?.[key]
          if (typeof value === 'string' && value !== '') files.add(value)
        }
      } else if (block.type === 'tool_result') {
        if (block.is_error === true) work.errors++
        const content = block.content
        work.resultChars += typeof content === 'string'
          ? content.length
          : (content ?? []).reduce((sum, part) => sum + (part.type === 'text' ? String((part as { text?: string }).text ?? '').length : 0), 0)
      }
    }
  }
  work.files = files.size
  return work
}

function distinctMatches (text: string, pattern: RegExp): number {
  return new Set((text.match(pattern) ?? []).map((m) => m.toLowerCase().replace(/\W+$/, '').trim())).size
}

function round (value: number): number { return Math.round(value * 10) / 10 }

/**
 * Scores how demanding the current task is, 0–100. Two parts:
 * - the amount of work (wording length, edit and scope cues, files named, lists, pasted traces, tool calls,
 *   files touched, failures so far) saturates below 76: no volume of plain work makes a task "reasoning";
 * - reasoning cues (prove, root cause, trade-offs, race condition…) add on top, so hard thinking reaches
 *   the REASONING tier even when the request itself is short.
 */
export function scoreComplexity (request: Pick<ChatRequest, 'messages'>): ComplexityScore {
  const task = currentTask(request.messages)
  const text = task.text
  const words = text === '' ? 0 : text.split(/\s+/).length
  const work = workSince(request.messages, task.index)
  const factors: Record<string, number> = {}

  const chitchat = CHITCHAT.test(text)
  const question = QUESTION.test(text)
  // Quoted text (commit messages, strings to insert) is content, not instructions.
  const instructions = text.replace(QUOTED, ' ')
  const edits = distinctMatches(instructions, EDIT_CUES)
  const scope = distinctMatches(text, SCOPE_CUES)
  const strong = distinctMatches(text, STRONG_REASONING)
  const weak = distinctMatches(text, WEAK_REASONING)
  const filesNamed = distinctMatches(text, FILE_MENTION)
  const listItems = (text.match(LIST_ITEM) ?? []).length

  // Work: points that saturate at 75.
  factors.wording = round(Math.min(24, 7 * Math.log2(1 + words / 4)))
  if (chitchat) factors.chitchat = -20
  if (question && edits === 0) factors.question = -10
  if (edits > 0) factors.edit = round(Math.min(26, 18 + 4 * (edits - 1)))
  if (scope > 0) factors.scope = Math.min(40, 24 + 8 * (scope - 1))
  if (filesNamed > 1) factors.filesNamed = Math.min(12, 4 * (filesNamed - 1))
  if (listItems > 1) factors.steps = Math.min(12, 3 * listItems)
  if (ENUMERATION.test(instructions)) factors.breadth = 8
  if (STACK_TRACE.test(text)) factors.trace = 8
  else if (CODE_BLOCK.test(text)) factors.code = 4
  if (work.toolCalls > 0) factors.toolCalls = round(Math.min(22, 1.6 * work.toolCalls))
  if (work.files > 1) factors.filesTouched = Math.min(16, 2.5 * (work.files - 1))
  if (work.edits > 2) factors.edits = Math.min(8, work.edits - 2)
  if (work.errors > 0) factors.toolErrors = Math.min(8, 3 * work.errors)
  if (work.resultChars > 20_000) factors.toolOutput = round(Math.min(6, 2 * Math.log2(work.resultChars / 20_000)))

  const reasoningKeys = new Set(['strongReasoning', 'weakReasoning'])
  let points = 0
  for (const [name, value] of Object.entries(factors)) if (!reasoningKeys.has(name)) points += value
  const workScore = 75 * (1 - Math.exp(-Math.max(0, points) / 40))

  // Reasoning: on top, not saturating. A definitional question ("what is a race condition?") is not one.
  let reasoning = 26 * strong + 11 * weak
  if (strong === 0 && weak < 2) reasoning *= 0.5
  if (DEFINITION.test(text) && words < 12) reasoning *= 0.3
  if (strong > 0) factors.strongReasoning = strong
  if (weak > 0) factors.weakReasoning = weak
  factors.reasoning = round(Math.min(60, reasoning))
  factors.work = round(workScore)

  const score = Math.max(0, Math.min(100, Math.round(workScore + Math.min(60, reasoning))))
  return { score, tier: tierForScore(score), factors }
}
