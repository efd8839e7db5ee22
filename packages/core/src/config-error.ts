/** A configuration problem that stops the boot. The message names the variable and what is valid. */
export class LynkrConfigError extends Error {
  readonly variable: string | undefined
  constructor (message: string, variable?: string) {
    super(message)
    this.name = 'LynkrConfigError'
    this.variable = variable
  }
}

/** For manifests: a variable the enabled plugin cannot work without. */
export function requireVariable<T> (value: T | undefined | null, variable: string, why: string): T {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    throw new LynkrConfigError(`${variable} is required: ${why}`, variable)
  }
  return value
}

/** For manifests: a URL variable, with a message that shows the bad value. */
export function parseUrlVariable (value: string, variable: string): URL {
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)')
    return url
  } catch {
    throw new LynkrConfigError(`${variable} must be an http(s) URL, got "${value}"`, variable)
  }
}
