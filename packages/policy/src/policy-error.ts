/**
 * A policy refused a tool's request. `policy` names the setting that refused it (the variable to change, or
 * the guard), so the model — and the person reading the transcript — knows why and what would allow it.
 */
export class PolicyError extends Error {
  readonly policy: string
  constructor (policy: string, message: string) {
    super(`Refused by ${policy}: ${message}`)
    this.name = 'PolicyError'
    this.policy = policy
  }
}

export function isPolicyError (error: unknown): error is PolicyError {
  return error instanceof PolicyError
}
