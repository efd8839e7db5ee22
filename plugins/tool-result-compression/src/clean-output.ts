import stripAnsi from 'strip-ansi'

/** A spinner frame, a percentage or a bar of `#`/`=`/`█`: a line a terminal would have overwritten. */
const PROGRESS = /^\s*(?:[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\s|\[?[#=>.\-█▓▒░ ]{6,}\]?\s*\d{1,3}(?:\.\d+)?\s*%|\d{1,3}(?:\.\d+)?\s*%\s*(?:\||\[|$)|.*\b\d+(?:\.\d+)?\s*%\s*\|[█▓▒░#= ]*\|)/

export function isProgressLine (line: string): boolean {
  return PROGRESS.test(line)
}

/**
 * What a terminal would have shown: ANSI escapes removed, each carriage-return overwrite reduced to its
 * last state, and runs of progress-bar lines reduced to the last one. Pure, so the same output always cleans
 * to the same bytes.
 */
export function cleanTerminalOutput (text: string): string {
  let clean = text.includes('\u001b') || text.includes('\u009b') ? stripAnsi(text) : text
  if (clean.includes('\r')) {
    clean = clean.replace(/\r\n/g, '\n').split('\n').map((line) => {
      if (!line.includes('\r')) return line
      const frames = line.split('\r').filter((frame) => frame !== '')
      return frames[frames.length - 1] ?? ''
    }).join('\n')
  }
  const lines = clean.split('\n')
  if (!lines.some(isProgressLine)) return clean
  const kept: string[] = []
  for (let i = 0; i < lines.length; i++) {
    // Of a run of progress lines, only the last (final) state is kept.
    if (isProgressLine(lines[i]!) && i + 1 < lines.length && isProgressLine(lines[i + 1]!)) continue
    kept.push(lines[i]!)
  }
  return kept.join('\n')
}
