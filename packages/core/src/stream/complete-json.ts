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
  if (trimmed.endsWith(':')) suffix += 'null'
  else if (trimmed.endsWith(',')) suffix += closers.at(-1) === '}' ? '"_":null' : 'null'
  suffix += closers.reverse().join('')
  return parses(text + suffix) ? suffix : null
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
