import type { FastifyInstance } from 'fastify'
import secureJsonParse from 'secure-json-parse'
import { LynkrError, MAX_JSON_DEPTH, jsonDepthExceeds } from '@lynkr/protocol'

const invalid = (message: string): LynkrError => new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })

/**
 * The gateway's JSON body parser: secure-json-parse, as Fastify's own, but the client is told what is wrong
 * (Fastify 5 answers every failure with one generic line), and keys named constructor are accepted: Claude
 * Code bodies are full of code that says constructor, and checking for it made secure-json-parse walk the
 * whole object (+55 % parse time on a 150 kB body). __proto__ keys are still refused; nothing here merges
 * client JSON into prototypes. Registered inside the gateway's scope, so an embedding host keeps its own.
 */
export function installJsonBodyParser (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.trim() === '') {
      done(invalid('Request body is empty; send a JSON object'), undefined)
      return
    }
    let parsed: unknown
    try {
      parsed = secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'ignore' })
    } catch (error) {
      const message = (error as Error).message
      done(invalid(/prototype/.test(message) ? 'Request body has a "__proto__" key, which is refused' : `Request body is not valid JSON: ${message}`), undefined)
      return
    }
    // Translators, the token counter and JSON.stringify recurse: refuse what would overflow them here, as a 400.
    if (jsonDepthExceeds(parsed)) {
      done(invalid(`Request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`), undefined)
      return
    }
    done(null, parsed)
  })
}
