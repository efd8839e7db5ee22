import type { ChatMessage } from '@lynkr/protocol'
import { messageTokens } from './clear-history.ts'
import type { HistoryPolicy } from './policy.ts'

/**
 * What one request costs with a prompt cache, in fresh-input tokens: the first `shared` tokens are what the
 * previous request already cached (read at the read price), the rest is written (1.25 on Anthropic) or, with
 * an automatic prefix cache, paid fresh. A pure estimate from the conversation: no usage from the provider.
 */
export function requestCost (shared: number, total: number, policy: HistoryPolicy): number {
  return shared * (policy.readRatio ?? 1) + Math.max(0, total - shared) * policy.writeRatio
}

/**
 * The bank: how much less the session has cost so far than the client's own prompts would have, with the
 * same cache (estimated per turn from the conversation, so a replay recomputes it). A batch is paid at once
 * (a rewrite at the write price) and saves only on later turns; allowing it only while the bank covers it
 * bounds the worst case — the session ends right after the batch — by what was already saved: the session
 * never costs more than passthrough would have, on any turn.
 */
export interface Bank {
  /** Passthrough's estimated cost so far minus ours (fresh-input tokens). */
  saved: number
  /** The previous turn's prompt as the client sent it, and as lynkr sent it (estimated tokens). */
  clientTokens: number
  sentTokens: number
  /** Tokens the batches so far removed, and that earlier steps cut from the client's messages [0, through). */
  cleared: number
  cutBefore: number
  through: number
}

export const emptyBank = (): Bank => ({ saved: 0, clientTokens: 0, sentTokens: 0, cleared: 0, cutBefore: 0, through: 0 })

/**
 * The client's prompt at the turn ending with message `end`, from lynkr's (`sentTokens`, after the batches):
 * plus what the batches removed, plus what earlier steps cut — counted for the messages new since the last
 * turn only (earlier steps decide a message once, so what they cut of older ones does not change).
 */
export function clientTokensAt (bank: Bank, sentTokens: number, client: ChatMessage[], seen: ChatMessage[], end: number): number {
  if (client !== seen) bank.cutBefore += messageTokens(client.slice(0, end + 1), bank.through) - messageTokens(seen.slice(0, end + 1), bank.through)
  bank.through = end + 1
  return sentTokens + bank.cleared + bank.cutBefore
}

/** Passthrough's cost of this turn: the client's prompts only grow, so it reads the previous one and writes what is new. */
export function clientCost (bank: Bank, clientTokens: number, policy: HistoryPolicy): number {
  return requestCost(Math.min(bank.clientTokens, clientTokens), clientTokens, policy)
}

/** Our cost of this turn without a batch: it reads what lynkr sent last (unchanged, append-only) and writes what is new. */
export function appendCost (bank: Bank, sentTokens: number, policy: HistoryPolicy): number {
  return requestCost(Math.min(bank.sentTokens, sentTokens), sentTokens, policy)
}

/** Books a decided turn: what passthrough would have paid minus what we pay. */
export function book (bank: Bank, client: { tokens: number, cost: number }, sent: { tokens: number, cost: number }): void {
  bank.saved += client.cost - sent.cost
  bank.clientTokens = client.tokens
  bank.sentTokens = sent.tokens
}
