/**
 * What the omitted part of a listing held, counted, so the model knows where to narrow its search: grep
 * matches per file (`path:line:text`; context lines `path-line-text` are not matches), paths per directory
 * (find, Glob, `git ls-files`), or commits (`git log`). Undefined when the lines are none of these.
 */
const GREP_MATCH = /^([^\s:]+):\d+:/
const GREP_CONTEXT = /^[^\s:]+-\d+-/
const PATH = /^\.?\/?[\w@.+-]+(?:\/[\w@.+-]+)+\/?$/
const MAX_GROUPS = 6

function top (counts: Map<string, number>, unit: string, units: string, groups: string): string {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const total = sorted.reduce((sum, [, n]) => sum + n, 0)
  const shown = sorted.slice(0, MAX_GROUPS).map(([name, n]) => `${name} ${n.toLocaleString('en-US')}`).join(', ')
  const rest = sorted.length > MAX_GROUPS ? `, ${(sorted.length - MAX_GROUPS).toLocaleString('en-US')} more` : ''
  return `${total.toLocaleString('en-US')} ${total === 1 ? unit : units} in ${counts.size.toLocaleString('en-US')} ${counts.size === 1 ? groups : groups === 'directory' ? 'directories' : `${groups}s`}: ${shown}${rest}`
}

export function countOmitted (lines: readonly string[]): string | undefined {
  const filled = lines.filter((line) => line.trim() !== '' && line !== '--')
  if (filled.length === 0) return undefined
  const matches = new Map<string, number>()
  let grepLines = 0
  for (const line of filled) {
    const match = GREP_MATCH.exec(line)
    if (match !== null) { matches.set(match[1]!, (matches.get(match[1]!) ?? 0) + 1); grepLines++ } else if (GREP_CONTEXT.test(line)) grepLines++
  }
  if (grepLines >= filled.length * 0.8 && matches.size > 0) return top(matches, 'match', 'matches', 'file')
  const commits = filled.filter((line) => /^commit [0-9a-f]{7,40}\b/.test(line)).length
  if (commits > 0 && filled.every((line) => /^(?:commit |Author:|Date:|Merge:|\s)/.test(line))) return `${commits.toLocaleString('en-US')} commit${commits === 1 ? '' : 's'}`
  const paths = filled.filter((line) => PATH.test(line.trim()))
  if (paths.length >= filled.length * 0.8) {
    const dirs = new Map<string, number>()
    for (const path of paths) { const dir = path.trim().replace(/\/[^/]+\/?$/, '/'); dirs.set(dir, (dirs.get(dir) ?? 0) + 1) }
    return top(dirs, 'path', 'paths', 'directory')
  }
  return undefined
}
