import type { FastifyRequest } from 'fastify'
import type { LynkrError, ModelInfo } from '@lynkr/protocol'

export interface ErrorReply { status: number, headers?: Record<string, string>, body: unknown }

/**
 * A client dialect's error shape. Front doors register one; the gateway's error handler answers every
 * failure (bad JSON, oversized body, unknown route, upstream error) in the caller's own protocol.
 */
export interface Dialect {
  name: string
  /**
   * Whether an unrouted request (404, parse error before routing) looks like this dialect's client. `path`
   * is the URL below the prefix lynkr is registered under (`/v1/models` for `/llm/v1/models`).
   */
  claims: (request: FastifyRequest, path?: string) => boolean
  formatError: (error: LynkrError, requestId: string) => ErrorReply
  /** The body of GET /v1/models in this dialect. */
  formatModels?: (models: ModelInfo[]) => unknown
}

export class DialectRegistry {
  private readonly dialects: Dialect[] = []

  /** Where the gateway is mounted in its host (`''` standalone). */
  private readonly prefix: string

  constructor (prefix = '') { this.prefix = prefix }

  register (dialect: Dialect): void {
    if (this.dialects.some((d) => d.name === dialect.name)) throw new Error(`Dialect "${dialect.name}" is already registered`)
    this.dialects.push(dialect)
  }

  get (name: string): Dialect | undefined { return this.dialects.find((d) => d.name === name) }

  /** The first registered: for a failure with no request to judge by. */
  get fallback (): Dialect | undefined { return this.dialects[0] }

  /** The route's declared dialect, else the first that claims the request, else the first registered. */
  pick (request: FastifyRequest): Dialect | undefined {
    const declared = (request.routeOptions?.config as { dialect?: string } | undefined)?.dialect
    if (declared !== undefined) {
      const dialect = this.get(declared)
      if (dialect) return dialect
    }
    const url = request.url
    const path = this.prefix !== '' && url.startsWith(this.prefix) ? url.slice(this.prefix.length) || '/' : url
    return this.dialects.find((d) => d.claims(request, path)) ?? this.dialects[0]
  }
}
