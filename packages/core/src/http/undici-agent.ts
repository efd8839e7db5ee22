import { createRequire } from 'node:module'
import type * as Undici from 'undici'

/**
 * undici's index loads all of undici (fetch, WebSocket, EventSource, caches, mocks: ~330 ms at load ~17 on the
 * development machine) where the upstream client needs only the Agent and the error classes (~95 ms). Their
 * files are loaded directly: the same modules the index loads, so `instanceof` holds for errors of a dispatcher
 * a host or a test passes in. undici is pinned to an exact version; should the files move, every boot fails.
 */
const require = createRequire(import.meta.url)
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent
export const undiciErrors = require('undici/lib/core/errors.js') as typeof Undici.errors
