import { LynkrConfigError } from './config-error.ts'
import { parseByteSize } from './parse-byte-size.ts'

/**
 * The largest JSON body the front doors read, and lynkr's default: Anthropic's own request limit, which Claude
 * Code's largest requests (screenshots, PDFs, long tool output) fit in.
 */
export const MAX_BODY_LIMIT = 32 * 1024 * 1024

/** 33554432 → "32mb", for messages in the unit people write. */
export function formatByteSize (bytes: number): string {
  for (const [unit, size] of [['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return `${bytes} bytes`
}

/**
 * REQUEST_JSON_LIMIT, in Lynkr's units (`1gb`, `50mb`, a byte count). A value above MAX_BODY_LIMIT is lowered
 * to it, with a note: Lynkr's .env.example sets 1gb, and a body is held in memory several times while it is
 * parsed and translated (buffer, string, objects, the upstream's copy), so a few such requests, or one, can
 * take the process down; no hosted provider here would accept it anyway. Below the maximum it is honoured.
 */
export function readBodyLimit (env: Record<string, string | undefined>): { bytes: number, note?: string } {
  const text = env.REQUEST_JSON_LIMIT?.trim()
  if (text === undefined || text === '') return { bytes: MAX_BODY_LIMIT }
  const bytes = parseByteSize(text)
  if (bytes === null) throw new LynkrConfigError(`REQUEST_JSON_LIMIT="${text}" must be a size such as 32mb, 512kb or a byte count`, 'REQUEST_JSON_LIMIT')
  if (bytes <= MAX_BODY_LIMIT) return { bytes }
  const max = formatByteSize(MAX_BODY_LIMIT)
  return {
    bytes: MAX_BODY_LIMIT,
    note: `REQUEST_JSON_LIMIT=${text} is above lynkr's maximum and is lowered to ${max}: Anthropic refuses larger requests and Claude Code's largest fit, while every body is held in memory several times as it is parsed and translated, so a larger limit lets a few requests take the process down (README: Defaults that differ on purpose)`
  }
}
