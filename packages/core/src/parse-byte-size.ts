// Lynkr read sizes with express's parser (the `bytes` package): the same units, 1024-based.
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 }

/** Parses "32mb", "512kb", "1gb" or a plain byte count (REQUEST_JSON_LIMIT keeps Lynkr's express-style values). */
export function parseByteSize (text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|pb)?\s*$/i.exec(text)
  if (match === null) return null
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()]!)
  return bytes > 0 ? bytes : null
}
