import { createHash } from 'node:crypto'
import type { ChatRequest, PipelineStep, StepContext, ToolResultBlock } from '@lynkr/protocol'
import { rewriteToolResults, toolCallsOf } from '@lynkr/protocol'
import { BoundedMemo } from '@lynkr/core'
import { classifyOutput } from './classify-output.ts'
import type { ToolCallInfo } from './classify-output.ts'
import { cleanTerminalOutput } from './clean-output.ts'
import { cutOutput } from './cut-output.ts'
import { condensePassingTap } from './condense-test-run.ts'
import { maxCharsFor } from './budget.ts'

export interface CompressOptions {
  /** Overrides the size derived from the provider's capabilities (characters); undefined = derived. */
  maxChars?: number
  cutFileReads: boolean
  /** Sessions whose decisions are remembered (least recently used forgotten first). */
  maxSessions?: number
}

/** Results shorter than this are not worth a pointer when repeated. */
const DEDUP_MIN_CHARS = 500
const MAX_DECISIONS_PER_SESSION = 20_000

type ResultContent = NonNullable<ToolResultBlock['content']>

/** `content` is undefined when the result stays as it is (each request parses its own copy of it). */
interface Decision { content: ResultContent | undefined, hash: string | undefined }

/** A tool call's short description for notices: `Bash \`npm test\``, `Read src/a.ts`. */
export function describeCall (call: ToolCallInfo | undefined): string {
  if (call === undefined) return 'an earlier tool call'
  const input = (call.input ?? {}) as Record<string, unknown>
  const detail = [input.command, input.file_path, input.pattern, input.path, input.url].find((value) => typeof value === 'string') as string | undefined
  if (detail === undefined) return call.name
  const short = detail.length > 80 ? `${detail.slice(0, 77)}...` : detail
  return `${call.name} \`${short.replace(/`/g, "'")}\``
}

function sizeOf (content: ResultContent | undefined): number {
  if (content === undefined) return 0
  if (typeof content === 'string') return content.length
  return content.reduce((sum, block) => sum + (block.type === 'text' && typeof block.text === 'string' ? block.text.length : 1000), 0) + content.length
}

/** One result's text(s) cleaned and cut; blocks other than text (images) pass as they are. */
function compressContent (content: ResultContent | undefined, call: ToolCallInfo | undefined, maxChars: number, cutFileReads: boolean): ResultContent | undefined {
  if (content === undefined) return content
  const one = (text: string): string => {
    const clean = cleanTerminalOutput(text)
    const kind = classifyOutput(clean, call)
    if (kind === 'file-read' && !cutFileReads) return text
    // A test run's passing tests lose their timing first: often the run then fits without a cut.
    const condensed = kind === 'test-run' ? condensePassingTap(clean) : clean
    return cutOutput(condensed, { kind, maxChars, tool: call?.name ?? '', cutFileReads })
  }
  if (typeof content === 'string') {
    const next = one(content)
    return next === content ? content : next
  }
  let changed = false
  const blocks = content.map((block) => {
    if (block.type !== 'text' || typeof block.text !== 'string') return block
    const next = one(block.text)
    if (next === block.text) return block
    changed = true
    return { ...block, text: next }
  })
  return changed ? blocks : content
}

const hashOf = (content: ResultContent): string => createHash('sha256').update(typeof content === 'string' ? content : JSON.stringify(content)).digest('base64url')

/**
 * The `tool-result-truncation` step. Every tool result is cleaned (ANSI escapes, overwritten progress lines)
 * and, when larger than the provider's budget, cut type-aware with a notice; a large result identical to an
 * earlier one becomes a pointer to it. The cut is a pure function of the result and the budget, so a result
 * is cut when it arrives and re-sent byte-identical on every later request of the session (and after a
 * restart); the decision is memoised per session by tool call id and size so repeated requests pay a lookup.
 */
export function toolResultCompressionStep (options: CompressOptions): PipelineStep {
  const sessions = new BoundedMemo<Map<string, Decision>>(options.maxSessions ?? 1000)
  return {
    name: 'tool-result-compression',
    stage: 'tool-result-truncation',
    optional: true,
    run: (request: ChatRequest, context: StepContext): ChatRequest => {
      if (!request.messages.some((message) => message.role === 'user' && message.content.some((block) => block.type === 'tool_result'))) return request
      const maxChars = maxCharsFor(context.capabilities, options.maxChars)
      const decisions = sessions.get(context.session.id, () => new Map())
      const calls = toolCallsOf(request.messages)
      const seen = new Map<string, string>()
      return rewriteToolResults(request, (block) => {
        const key = `${maxChars}\u0000${block.tool_use_id}\u0000${sizeOf(block.content)}`
        let decision = decisions.get(key)
        if (decision === undefined) {
          const compressed = compressContent(block.content, calls.get(block.tool_use_id), maxChars, options.cutFileReads)
          decision = { content: compressed === block.content ? undefined : compressed, hash: block.content !== undefined && sizeOf(block.content) >= DEDUP_MIN_CHARS ? hashOf(block.content) : undefined }
          if (decisions.size >= MAX_DECISIONS_PER_SESSION) decisions.delete(decisions.keys().next().value!)
          decisions.set(key, decision)
        }
        const own = decision.content ?? block.content
        if (decision.hash === undefined) return own
        const first = seen.get(decision.hash)
        if (first === undefined) { seen.set(decision.hash, block.tool_use_id); return own }
        // A repeat of an earlier result (the same file read twice, the same command re-run): a pointer.
        return `[lynkr: identical to the output of ${describeCall(calls.get(first))} above (tool call ${first}); omitted to save tokens. Run the tool again if its output may have changed.]`
      })
    }
  }
}
