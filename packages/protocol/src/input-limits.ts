/**
 * Limits every front door checks before any translation, so translators (and JSON.stringify) never meet
 * input they cannot handle: an exception there would otherwise surface mid-call.
 */

/** Deeper JSON than any real tool schema or tool input; translators recurse over these structures. */
export const MAX_JSON_DEPTH = 128

/** Whether a parsed JSON value nests objects/arrays deeper than `limit` (iterative: deep input cannot overflow it). */
export function jsonDepthExceeds (value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth > limit) return true
    const children = Array.isArray(node) ? node : Object.values(node as object)
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
  }
  return false
}

/** Longer than any provider's model id (OpenRouter's and Hugging Face-style names included). */
export const MAX_MODEL_NAME_LENGTH = 256

/**
 * Why a client's model name cannot be used, or undefined. It travels in response headers (x-lynkr-model)
 * and into upstream URLs, so control characters and characters outside Latin-1 (which HTTP headers cannot
 * carry) are refused, as are names longer than any real model's.
 */
export function modelNameProblem (model: string): string | undefined {
  if (model.length > MAX_MODEL_NAME_LENGTH) return `is longer than ${MAX_MODEL_NAME_LENGTH} characters`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(model)) return 'contains a control character (CR, LF, NUL…)'
  if (/[^\u0000-\u00ff]/.test(model)) return 'contains a character outside Latin-1'
  // Providers put the model into URL paths, where `.`/`..` segments (also as %2e) would change the path.
  if (model.split(/[:/]/).some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment))) return 'has a "." or ".." segment'
  return undefined
}

/**
 * A header value that is always writable: characters HTTP cannot carry (controls, beyond Latin-1) are
 * percent-encoded and the length is bounded, so writing it can never throw once a response is under way.
 */
export function safeHeaderValue (value: string, maxLength = MAX_MODEL_NAME_LENGTH): string {
  // eslint-disable-next-line no-control-regex
  const safe = /[^\u0020-\u007e\u0080-\u00ff]/.test(value) ? value.replace(/[^\u0020-\u007e\u0080-\u00ff]/gu, percentEncoded) : value
  return safe.length > maxLength ? safe.slice(0, maxLength) : safe
}

function percentEncoded (char: string): string {
  try { return encodeURIComponent(char) } catch { return '%EF%BF%BD' } // a lone surrogate
}
