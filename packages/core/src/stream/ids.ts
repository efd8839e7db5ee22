import { randomBytes } from 'node:crypto'

// One random prefix per process plus a counter: unique ids without a random-bytes syscall per id, which
// showed up in hot-path profiles.
const prefix = randomBytes(9).toString('base64url')
let counter = 0

/** Ids in the shape Anthropic clients expect (`^[a-zA-Z0-9_-]+$`). */
export function generateId (kind: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return kind + prefix + counter.toString(36).padStart(6, '0')
}
