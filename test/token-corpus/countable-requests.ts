/**
 * The recorded Claude Code requests of the token corpus as the gateway counts them: Anthropic bodies with
 * string content and string system prompts written as text blocks (what the front door's parser does).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { CountableRequest } from '../../packages/core/src/tokens/count-tokens.ts'
import { readSession } from './corpus-format.ts'
import { corpusDir } from './paths.ts'

type Content = string | Array<{ type: string, text?: string }>
const blocks = (content: Content): any[] => typeof content === 'string' ? [{ type: 'text', text: content }] : content

export function countableRequest (rawBody: string): CountableRequest {
  const body = JSON.parse(rawBody) as { system?: Content, messages: Array<{ role: string, content: Content }>, tools?: CountableRequest['tools'] }
  return {
    system: body.system === undefined ? undefined : blocks(body.system),
    messages: body.messages.map((message) => ({ role: message.role as 'user', content: blocks(message.content) })),
    tools: body.tools
  }
}

/** Every /v1/messages request of the Claude Code sessions (main loop and background), in recorded order. */
export function claudeCodeRequests (): Array<{ session: string, seq: number, request: CountableRequest }> {
  const requests: Array<{ session: string, seq: number, request: CountableRequest }> = []
  for (const file of readdirSync(corpusDir).filter((name) => name.endsWith('.jsonl.gz')).sort()) {
    const { header, requests: recorded } = readSession(join(corpusDir, file))
    if (header.front !== 'anthropic') continue
    for (const { seq, path, rawBody } of recorded) {
      if (!path.startsWith('/v1/messages')) continue
      requests.push({ session: header.id, seq, request: countableRequest(rawBody) })
    }
  }
  return requests
}
