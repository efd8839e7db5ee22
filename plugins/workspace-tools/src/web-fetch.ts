import type { GatewayTool } from '@lynkr/protocol'
import type { WebPolicy } from '@lynkr/policy'
import { guardedFetch } from './guarded-fetch.ts'
import type { Resolve } from './guarded-fetch.ts'
import { textInput } from './tool-result.ts'

export interface WebFetchSettings {
  policy: WebPolicy
  timeoutMs: number
  /** Characters of the body shown to the model (WEB_FETCH_BODY_PREVIEW_MAX). */
  previewMax: number
  resolve?: Resolve
}

const TEXTUAL = /^(?:text\/|application\/(?:json|xml|xhtml\+xml|javascript|ld\+json|x-ndjson)|[^;]*\+(?:json|xml))/i

export function webFetchTool (settings: WebFetchSettings): GatewayTool {
  return {
    name: 'workspace_web_fetch',
    description: 'Fetch a public http(s) URL and return its text (HTML as is, cut to a preview). Private and internal addresses are refused.',
    input_schema: { type: 'object', properties: { url: { type: 'string', description: 'http or https URL' } }, required: ['url'] },
    execute: async (input, { signal }) => {
      const url = textInput(input, 'url')
      // Read somewhat more than is shown, so a multi-byte character at the cut is decoded whole.
      const page = await guardedFetch(url, { policy: settings.policy, timeoutMs: settings.timeoutMs, maxBytes: settings.previewMax * 4, signal, resolve: settings.resolve })
      const head = `HTTP ${page.status} ${page.url}${page.redirects.length > 0 ? ` (after ${page.redirects.length} redirect${page.redirects.length === 1 ? '' : 's'})` : ''}\ncontent-type: ${page.contentType || 'unknown'}`
      if (page.contentType !== '' && !TEXTUAL.test(page.contentType)) return { content: `${head}\n\n[${page.body.length} bytes of ${page.contentType}: not shown]`, isError: page.status >= 400 }
      let text = page.body.toString('utf8')
      const cut = text.length > settings.previewMax || page.truncated
      if (text.length > settings.previewMax) text = text.slice(0, settings.previewMax)
      return { content: `${head}\n\n${text}${cut ? `\n[cut at ${settings.previewMax} characters]` : ''}`, isError: page.status >= 400 }
    }
  }
}
