/**
 * Streamed tool arguments can end as invalid JSON (fine-grained tool streaming, truncated output).
 * Fragments already sent to a client cannot be taken back, so repair is expressed as a suffix to append:
 * close an open string, supply a value after a dangling `:`, close brackets. Returns null when no suffix
 * makes the text parse (the caller then decides what to do).
 */
export function jsonRepairSuffix (text: string): string | null {
  if (text.trim() === '') return '{}'
  if (parses(text)) return ''
  const closers: string[] = []
  let inString = false
  let escaped = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (char === '\\') escaped = true
      else if (char === '"') inString = false
      continue
    }
    if (char === '"') inString = true
    else if (char === '{') closers.push('}')
    else if (char === '[') closers.push(']')
    else if (char === '}' || char === ']') closers.pop()
  }
  let suffix = ''
  if (inString) suffix += escaped ? '"' + '"' : '"'
  const trimmed = (text + suffix).trimEnd()
  const innermost = closers.at(-1)
  const closing = closers.reverse().join('')
  // What may be missing before the closers: a value after `:` or `,`; else a cut-off literal or number
  // (`tr`, `1.`), or the colon and value after an object key (`{"path"`).
  const fillers = trimmed.endsWith(':')
    ? ['null']
    : trimmed.endsWith(',')
      ? [innermost === '}' ? '"_":null' : 'null']
      : ['', ':null', '0', ...['true', 'false', 'null'].flatMap((word) => [1, 2, 3, 4].map((cut) => word.slice(cut)))]
  for (const filler of fillers) {
    if (parses(text + suffix + filler + closing)) return suffix + filler + closing
  }
  return null
}

/** Parses tool arguments leniently: valid JSON, else repaired, else `{}`. Non-objects are wrapped. */
export function parseToolArguments (text: string): Record<string, unknown> {
  const suffix = jsonRepairSuffix(text)
  if (suffix === null) return {}
  const value: unknown = JSON.parse(text + suffix)
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  return { value }
}

function parses (text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
