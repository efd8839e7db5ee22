import { fileURLToPath } from 'node:url'

/** Where the recorded sessions live. */
export const corpusDir = fileURLToPath(new URL('../fixtures/token-corpus/', import.meta.url))
