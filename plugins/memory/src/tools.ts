import type { GatewayTool } from '@lynkr/protocol'
import type { MemoryService } from './memory.ts'
import type { MemoryKind } from './schema.ts'
import type { InjectionRecords } from './sessions.ts'
import { DEFAULT_WORKSPACE } from './recall-step.ts'
import { isChange } from './extract.ts'

const KINDS: MemoryKind[] = ['preference', 'decision', 'fact', 'entity', 'note']

/**
 * memory_search, memory_add and memory_forget: run by the gateway in the server-side tool loop, in the
 * workspace the call's session works in (recorded by the recall step, which runs before every model call).
 */
export function memoryTools (memory: MemoryService, records: InjectionRecords): GatewayTool[] {
  const workspaceOf = (session: string): string => records.workspaceOf(session) ?? DEFAULT_WORKSPACE
  return [
    {
      name: 'memory_search',
      description: 'Search long-term memory (preferences, decisions and facts about this project from earlier sessions). Returns the best matches with their ids.',
      input_schema: {
        type: 'object',
        properties: { query: { type: 'string', description: 'what to look for, in a few words' }, limit: { type: 'integer', minimum: 1, maximum: 20, description: 'how many (default 5)' } },
        required: ['query']
      },
      execute: async (input, { session }) => {
        const query = requireText(input.query, 'query')
        const limit = typeof input.limit === 'number' && input.limit >= 1 ? Math.min(20, Math.floor(input.limit)) : memory.settings.retrievalLimit
        const found = await memory.searchHybrid(query, workspaceOf(session), limit)
        memory.store.touch(found.map((hit) => hit.id))
        if (found.length === 0) return `No memories match "${query}".`
        return found.map((hit) => `#${hit.id} [${hit.kind}${hit.scope === 'global' ? ', global' : ''}] ${hit.content}`).join('\n')
      }
    },
    {
      name: 'memory_add',
      description: 'Remember something for later sessions: a user preference, a decision, or a fact about this project. A newer fact on the same subject replaces the old one.',
      input_schema: {
        type: 'object',
        properties: {
          content: { type: 'string', description: 'the memory, as one self-contained sentence' },
          kind: { type: 'string', enum: KINDS },
          scope: { type: 'string', enum: ['project', 'global'], description: 'project (default) or global (a personal preference for every project)' }
        },
        required: ['content']
      },
      execute: async (input, { session }) => {
        const content = requireText(input.content, 'content')
        const kind = KINDS.includes(input.kind as MemoryKind) ? input.kind as MemoryKind : 'note'
        const scope = input.scope === 'global' ? 'global' : 'project'
        const change = isChange(content)
        const outcome = await memory.consider({ kind, content, scope, explicit: true, change }, workspaceOf(session), Date.now(), 'tool')
        if (outcome.status === 'duplicate') return `Already remembered as #${outcome.id}.`
        if (outcome.status === 'skipped') return 'Not stored.'
        const replaced = outcome.memory.supersedes.length > 0 ? ` (replaces ${outcome.memory.supersedes.map((id) => `#${id}`).join(', ')})` : ''
        return `Remembered as #${outcome.memory.id}${replaced}.`
      }
    },
    {
      name: 'memory_forget',
      description: 'Forget a memory that is wrong or no longer wanted, by its id (from memory_search).',
      input_schema: { type: 'object', properties: { id: { type: 'integer', description: 'the memory id, as #id in memory_search results' } }, required: ['id'] },
      execute: async (input, { session }) => {
        const id = typeof input.id === 'string' ? Number(input.id.replace(/^#/, '')) : input.id
        if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error('id must be a memory id (an integer)')
        const gone = await memory.store.forget(id, memory.scopes(workspaceOf(session)))
        return gone ? `Forgot #${id}.` : { content: `No memory #${id} in this project.`, isError: true }
      }
    }
  ]
}

function requireText (value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${name} must be a non-empty string`)
  return value.trim()
}
