/** What a tool result is, for choosing how to cut it. */
export type OutputKind = 'file-read' | 'test-run' | 'listing' | 'generic'

/** The tool call a result answers, as the assistant made it. */
export interface ToolCallInfo {
  name: string
  input: unknown
}

/** Claude Code's Read output and `cat -n`: numbered lines ("     1→text" or "     1\ttext"). */
const NUMBERED_LINE = /^\s*\d+(?:→|\t)/
const TEST_COMMAND = /(?:^|[\s;&|(])(?:node\s+(?:[^\s]+\s+)*--test\b|jest\b|vitest\b|mocha\b|ava\b|tap\b|pytest\b|py\.test\b|python3?\s+-m\s+(?:pytest|unittest)\b|go\s+test\b|cargo\s+(?:test|nextest)\b|(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b|npx\s+(?:jest|vitest|mocha|playwright)\b|rspec\b|phpunit\b|dotnet\s+test\b|mvn\s+(?:\S+\s+)*test\b|gradlew?\s+(?:\S+\s+)*test\b|deno\s+test\b|bun\s+test\b)/
const LISTING_COMMAND = /(?:^|[\s;&|(])(?:grep|rg|ag|ack|find|fd|ls|tree|git\s+(?:log|ls-files|grep|status|diff\s+--stat|show\s+--stat|branch)|du|wc|locate)\b/
const TEST_SIGNALS = /^(?:not ok \d+|# fail \d+|ℹ fail \d+|Tests:\s+\d+|Test Suites:\s|FAIL\s|=+ .*(?:failed|passed).* =+$|--- FAIL:|test result: (?:ok|FAILED)|\d+ (?:passing|failing)\b)/m
const LISTING_TOOLS = new Set(['Grep', 'Glob', 'LS', 'grep', 'glob', 'ls', 'find', 'search'])
const READ_TOOLS = new Set(['Read', 'read', 'read_file', 'NotebookRead', 'view'])

function commandOf (input: unknown): string | undefined {
  if (input === null || typeof input !== 'object') return undefined
  const command = (input as { command?: unknown }).command
  return typeof command === 'string' ? command : undefined
}

/** Most of the first lines are numbered: a file's content as Read (or `cat -n`) shows it. */
export function looksLikeFileRead (text: string): boolean {
  const lines = text.split('\n', 40).filter((line) => line.trim() !== '')
  if (lines.length < 3) return false
  return lines.filter((line) => NUMBERED_LINE.test(line)).length >= lines.length * 0.8
}

/**
 * How a result should be cut: by the tool that produced it (Claude Code's Read, Grep, Glob, Bash with its
 * command), else by what the text looks like. Pure: the same call and output always classify the same.
 */
export function classifyOutput (text: string, call: ToolCallInfo | undefined): OutputKind {
  const name = call?.name ?? ''
  if (READ_TOOLS.has(name)) return 'file-read'
  if (LISTING_TOOLS.has(name)) return 'listing'
  const command = commandOf(call?.input)
  if (command !== undefined) {
    if (TEST_COMMAND.test(command) || TEST_SIGNALS.test(text)) return 'test-run'
    // `cat -n file`, `sed -n 1,200p file`: a file's content (or the range the model asked for), like a Read.
    if (/^\s*(?:cat|nl|head|tail|sed\s+-n|bat)\b/.test(command) && !/[|;&>]/.test(command)) return 'file-read'
    if (LISTING_COMMAND.test(command)) return 'listing'
    return 'generic'
  }
  if (looksLikeFileRead(text)) return 'file-read'
  if (TEST_SIGNALS.test(text)) return 'test-run'
  return 'generic'
}
