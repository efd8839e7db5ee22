import type { ChatRequest } from '@lynkr/protocol'
import { joinTextBlocks } from '@lynkr/protocol'

/**
 * Claude Code's own summary requests: `/compact` and auto-compaction ("Your task is to create a detailed
 * summary of the conversation so far…"), and its short title/topic summaries. Token phases and memory let
 * them through untouched: the client is compacting, and its summary should see the whole conversation, not
 * a cut of it or memories it never stated.
 */
const SUMMARY_ASK = /create a detailed summary of the conversation|summary of the conversation so far|summari[sz]e (?:this|the) (?:coding )?conversation|write a \d+-\d+ word title|analy[sz]e if this message indicates a new conversation topic/i

export function isCompactionRequest (request: ChatRequest): boolean {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i]!
    if (message.role !== 'user') continue
    if (SUMMARY_ASK.test(joinTextBlocks(message.content))) return true
    break
  }
  return (request.system ?? []).some((block) => SUMMARY_ASK.test(block.text) && !block.text.includes('You are Claude Code'))
}
