import { randomBytes } from 'node:crypto'

/** Ids in the shape Anthropic clients expect (`^[a-zA-Z0-9_-]+$`). */
export function generateId (prefix: string): string {
  return prefix + randomBytes(12).toString('base64url')
}
