import { GLOBAL_SCOPE } from './text.ts'

export interface MemoryView { id: number, scope: 'project' | 'global', kind: string, content: string, importance: number, access_count: number, created_at: string }

/** A memory as the API and the CLI show it: the scope by name (the scope token is a hash), dates in ISO. */
export function memoryView (memory: { id: number, scope: string, kind: string, content: string, importance: number, access_count: number, created_at: number }): MemoryView {
  return {
    id: memory.id,
    scope: memory.scope === GLOBAL_SCOPE ? 'global' : 'project',
    kind: memory.kind,
    content: memory.content,
    importance: Math.round(memory.importance * 100) / 100,
    access_count: memory.access_count,
    created_at: new Date(memory.created_at).toISOString()
  }
}
