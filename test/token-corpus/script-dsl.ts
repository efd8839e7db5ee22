/**
 * The scripted "model" of a corpus session: a fixed list of turns (tool calls, in parallel when several)
 * the upstream plays back in order, then a closing answer. Tool inputs use the shapes of Claude Code's
 * own tools (Read, Grep, Glob, Bash, Edit, Write) with absolute paths under the session's working directory.
 */
import { join } from 'node:path'
import type { FakeReply, FakeToolCall } from '../helpers/fake-script.ts'

/** `think` is the thinking the model streams first (Claude Code turns on adaptive thinking). */
export interface Turn { think?: string, say?: string, calls: FakeToolCall[] }

/** A published npm package, pinned in test/package.json, whose sources a session works on. */
export interface Snapshot { name: string, version: string }

export interface SessionScript {
  id: string
  /** The code base the session works on; semver@7.8.6 when not given. */
  snapshot?: Snapshot
  task: string
  /** The prompt given to the CLI. */
  prompt: string
  /** Files (relative to the work dir) the session writes before the CLI starts, over the snapshot. */
  seed?: Record<string, string>
  /** Bugs injected into the copy before the run: each `from` must occur exactly once in `file`. */
  patch?: Array<{ file: string, from: string, to: string }>
  turns: (dir: string) => Turn[]
  answer: string
}

export const tools = (dir: string) => {
  const at = (path: string): string => join(dir, path)
  return {
    read: (path: string, range?: { offset: number, limit: number }): FakeToolCall => ({ name: 'Read', arguments: { file_path: at(path), ...range } }),
    grep: (pattern: string, options: { path?: string, glob?: string, mode?: 'content' | 'files_with_matches' | 'count', context?: number } = {}): FakeToolCall => ({
      name: 'Grep',
      arguments: {
        pattern,
        ...(options.path === undefined ? {} : { path: at(options.path) }),
        ...(options.glob === undefined ? {} : { glob: options.glob }),
        output_mode: options.mode ?? 'content',
        ...(options.mode === undefined || options.mode === 'content' ? { '-n': true } : {}),
        ...(options.context === undefined ? {} : { '-C': options.context })
      }
    }),
    glob: (pattern: string, path?: string): FakeToolCall => ({ name: 'Glob', arguments: { pattern, ...(path === undefined ? {} : { path: at(path) }) } }),
    bash: (command: string, description: string): FakeToolCall => ({ name: 'Bash', arguments: { command, description } }),
    edit: (path: string, oldString: string, newString: string, replaceAll = false): FakeToolCall => ({ name: 'Edit', arguments: { file_path: at(path), old_string: oldString, new_string: newString, ...(replaceAll ? { replace_all: true } : {}) } }),
    write: (path: string, content: string): FakeToolCall => ({ name: 'Write', arguments: { file_path: at(path), content } })
  }
}

/** The reply for main-loop request number `step` (counted by assistant tool turns already in the history). */
/** `thinking`: Claude Code asks for adaptive thinking, so its replies open with some; OpenAI-front clients get none. */
export function replyFor (script: SessionScript, turns: Turn[], step: number, thinking = true): FakeReply {
  const turn = turns[step]
  if (turn === undefined) return { ...(thinking ? { reasoning: 'The task is done; summarise what changed.' } : {}), text: script.answer }
  // Fixed ids keep re-recordings byte-identical where the client echoes them back.
  const calls = turn.calls.map((call, i) => ({ ...call, id: `toolu_${script.id.replace(/[^a-z0-9]/gi, '')}_${String(step).padStart(2, '0')}_${i}` }))
  const think = turn.think ?? `Next: ${turn.calls.map((call) => call.name).join(', ')}.`
  return { ...(thinking ? { reasoning: think } : {}), ...(turn.say === undefined ? {} : { text: turn.say }), toolCalls: calls }
}
