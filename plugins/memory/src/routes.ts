import type { FastifyInstance } from 'fastify'
import { LynkrError } from '@lynkr/protocol'
import { presentsKey } from '@lynkr/core'
import type { MemoryService } from './memory.ts'
import type { MemoryKind } from './schema.ts'
import { memoryView } from './view.ts'

const KINDS: MemoryKind[] = ['preference', 'decision', 'fact', 'entity', 'note']

interface Query { workspace?: string, q?: string, limit?: string, offset?: string }

function workspaceParam (value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LynkrError('invalid_request', 'workspace is required: the project\'s working directory (as the client states it), e.g. ?workspace=/home/me/app', { code: 'LYNKR_MEMORY_NO_WORKSPACE' })
  }
  return value.trim()
}

function count (value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0 || number > max) throw new LynkrError('invalid_request', `${name}="${value}" must be an integer from 0 to ${max}`, { code: 'LYNKR_MEMORY_BAD_PARAM' })
  return number
}

/**
 * Management API, per project (behind LYNKR_API_KEY when set): GET /v1/memories lists (or with q searches)
 * a workspace's memories and the global ones; POST adds one; DELETE /v1/memories/:id forgets one.
 */
export function memoryRoutes (app: FastifyInstance, memory: MemoryService): void {
  const authorise = async (request: Parameters<typeof presentsKey>[0]): Promise<void> => {
    const apiKey = app.lynkr.apiKey
    if (apiKey !== undefined && !presentsKey(request, apiKey)) {
      throw new LynkrError('authentication', 'Invalid API key: send the key set in LYNKR_API_KEY as x-api-key or Authorization: Bearer', { code: 'LYNKR_AUTH_INVALID_KEY' })
    }
  }

  app.get<{ Querystring: Query }>('/v1/memories', { onRequest: authorise }, async (request) => {
    const workspace = workspaceParam(request.query.workspace)
    const limit = count(request.query.limit, 'limit', 50, 500)
    const q = request.query.q?.trim()
    if (q !== undefined && q !== '') return { data: (await memory.searchHybrid(q, workspace, limit)).map(memoryView) }
    return { data: (await memory.store.list(memory.scopes(workspace), limit, count(request.query.offset, 'offset', 0, 1_000_000))).map(memoryView) }
  })

  app.post<{ Body: { workspace?: unknown, content?: unknown, kind?: unknown, scope?: unknown } }>('/v1/memories', { onRequest: authorise }, async (request, reply) => {
    const body = request.body ?? {}
    const workspace = workspaceParam(body.workspace)
    if (typeof body.content !== 'string' || body.content.trim() === '') throw new LynkrError('invalid_request', 'content must be a non-empty string', { code: 'LYNKR_MEMORY_BAD_PARAM' })
    if (body.kind !== undefined && !KINDS.includes(body.kind as MemoryKind)) throw new LynkrError('invalid_request', `kind must be one of ${KINDS.join(', ')}`, { code: 'LYNKR_MEMORY_BAD_PARAM' })
    if (body.scope !== undefined && body.scope !== 'project' && body.scope !== 'global') throw new LynkrError('invalid_request', 'scope must be project or global', { code: 'LYNKR_MEMORY_BAD_PARAM' })
    const outcome = await memory.consider({
      kind: (body.kind as MemoryKind | undefined) ?? 'note', content: body.content.trim(), scope: body.scope === 'global' ? 'global' : 'project', explicit: true, change: false
    }, workspace, Date.now(), 'api')
    if (outcome.status === 'stored') return await reply.code(201).send({ id: outcome.memory.id, superseded: outcome.memory.supersedes })
    if (outcome.status === 'duplicate') return { id: outcome.id, duplicate: true }
    return { stored: false }
  })

  app.delete<{ Params: { id: string }, Querystring: Query }>('/v1/memories/:id', { onRequest: authorise }, async (request) => {
    const workspace = workspaceParam(request.query.workspace)
    const id = Number(request.params.id)
    if (!Number.isInteger(id)) throw new LynkrError('invalid_request', `"${request.params.id}" is not a memory id`, { code: 'LYNKR_MEMORY_BAD_PARAM' })
    if (!(await memory.store.forget(id, memory.scopes(workspace)))) {
      throw new LynkrError('not_found', `No memory ${id} in workspace ${workspace} or the global memories`, { code: 'LYNKR_MEMORY_NOT_FOUND' })
    }
    return { id, deleted: true }
  })
}
