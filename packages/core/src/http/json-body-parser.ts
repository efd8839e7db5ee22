import type { FastifyInstance } from 'fastify'
import secureJsonParse from 'secure-json-parse'
import { LynkrError, MAX_JSON_DEPTH, jsonDepthExceeds } from '@lynkr/protocol'

const invalid = (message: string): LynkrError => new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })

/** From this size on, decoding, parsing and handling a body are separate event-loop tasks. */
export const LARGE_BODY_BYTES = 1024 * 1024

const nextTurn = async (): Promise<void> => await new Promise((resolve) => setImmediate(resolve))

function parse (text: string): unknown {
  if (text.trim() === '') throw invalid('Request body is empty; send a JSON object')
  let parsed: unknown
  try {
    parsed = secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'ignore' })
  } catch (error) {
    const message = (error as Error).message
    throw invalid(/prototype/.test(message) ? 'Request body has a "__proto__" key, which is refused' : `Request body is not valid JSON: ${message}`)
  }
  // Translators, the token counter and JSON.stringify recurse: refuse what would overflow them here, as a 400.
  if (jsonDepthExceeds(parsed)) throw invalid(`Request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`)
  return parsed
}

/**
 * Claude Code sends 16–30 MB bodies (screenshots, PDFs, long tool output). Decoding one is a 100–250 ms task
 * and parsing it another (measured on the soak bench): done in one go with the handler's own work they held
 * the event loop for seconds when a few arrived together, and every stream the gateway served stalled (long
 * enough to trip load shedding). Each step gets its own turn of the loop. (A worker-thread parse did not
 * help: the structured clone back costs the loop about as much as the parse.)
 */
async function parseLarge (body: Buffer): Promise<unknown> {
  await nextTurn()
  const text = body.toString('utf8')
  await nextTurn()
  const value = parse(text)
  await nextTurn()
  return value
}

/**
 * The gateway's JSON body parser: secure-json-parse, as Fastify's own, but the client is told what is wrong
 * (Fastify 5 answers every failure with one generic line), and keys named constructor are accepted: Claude
 * Code bodies are full of code that says constructor, and checking for it made secure-json-parse walk the
 * whole object (+55 % parse time on a 150 kB body). __proto__ keys are still refused; nothing here merges
 * client JSON into prototypes. Registered inside the gateway's scope, so an embedding host keeps its own.
 */
export function installJsonBodyParser (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer
    if (bytes.length >= LARGE_BODY_BYTES) {
      parseLarge(bytes).then((value) => { done(null, value) }, (error: unknown) => { done(error as LynkrError, undefined) })
      return
    }
    let value: unknown
    try {
      value = parse(bytes.toString('utf8'))
    } catch (error) {
      done(error as LynkrError, undefined)
      return
    }
    done(null, value)
  })
}
