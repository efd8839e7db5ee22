import type { GatewayTool } from '@lynkr/protocol'
import type { FilePolicy } from '@lynkr/policy'
import picomatch from 'picomatch'
import { integerInput, textInput } from './tool-result.ts'
import { SKIPPED_DIRS, walk } from './walk.ts'

const LIST_LIMIT = 1000
const GLOB_LIMIT = 500
/** Entries a glob looks at before it gives up (a huge tree must not hold the request). */
const GLOB_SCAN_LIMIT = 100_000

export function listTool (policy: FilePolicy): GatewayTool {
  return {
    name: 'workspace_list',
    description: 'List a directory of the workspace (directories end in /). depth 2 or 3 also lists their contents.',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'directory, relative to the workspace root (default: the root)' }, depth: { type: 'integer', minimum: 1, maximum: 3 } }
    },
    execute: async (input) => {
      const dir = await policy.resolve(textInput(input, 'path', '.'))
      const depth = integerInput(input, 'depth', 1, 1, 3)
      const lines: string[] = []
      for await (const entry of walk(policy, dir, { maxDepth: depth, limit: LIST_LIMIT + 1, skipDirs: SKIPPED_DIRS })) {
        if (lines.length === LIST_LIMIT) { lines.push(`[more than ${LIST_LIMIT} entries]`); break }
        lines.push(entry.kind === 'dir' ? `${entry.relative}/` : entry.relative)
      }
      return lines.length === 0 ? `${dir.relative} is empty` : lines.join('\n')
    }
  }
}

export function globTool (policy: FilePolicy): GatewayTool {
  return {
    name: 'workspace_glob',
    description: 'Find files of the workspace by glob pattern (src/**/*.ts). .git and node_modules are skipped.',
    input_schema: {
      type: 'object',
      properties: { pattern: { type: 'string', description: 'glob, relative to path' }, path: { type: 'string', description: 'directory to search (default: the root)' } },
      required: ['pattern']
    },
    execute: async (input) => {
      const pattern = textInput(input, 'pattern')
      const dir = await policy.resolve(textInput(input, 'path', '.'))
      const match = picomatch(pattern, { dot: true })
      const prefix = dir.relative === '.' ? '' : `${dir.relative}/`
      const found: string[] = []
      for await (const entry of walk(policy, dir, { maxDepth: 64, limit: GLOB_SCAN_LIMIT, skipDirs: SKIPPED_DIRS })) {
        if (entry.kind !== 'file' || !match(entry.relative.slice(prefix.length))) continue
        found.push(entry.relative)
        if (found.length > GLOB_LIMIT) break
      }
      if (found.length === 0) return `No files match ${pattern}`
      return found.length > GLOB_LIMIT ? `${found.slice(0, GLOB_LIMIT).join('\n')}\n[more than ${GLOB_LIMIT} files]` : found.join('\n')
    }
  }
}
