import type { GatewayTool } from '@lynkr/protocol'
import type { FilePolicy } from '@lynkr/policy'
import { integerInput, textInput } from './tool-result.ts'

/** Bytes read from one file at most: a model turn cannot use more. */
const READ_MAX_BYTES = 256 * 1024

export function readTool (policy: FilePolicy): GatewayTool {
  return {
    name: 'workspace_read',
    description: 'Read a text file of the workspace the gateway serves (a path relative to the workspace root). Lines are numbered; use offset and limit for long files.',
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'file path, relative to the workspace root' },
        offset: { type: 'integer', minimum: 1, description: 'first line to show (default 1)' },
        limit: { type: 'integer', minimum: 1, maximum: 5000, description: 'lines to show (default 2000)' }
      },
      required: ['path']
    },
    execute: async (input) => {
      const path = textInput(input, 'path')
      const offset = integerInput(input, 'offset', 1, 1, Number.MAX_SAFE_INTEGER)
      const limit = integerInput(input, 'limit', 2000, 1, 5000)
      const { handle, path: checked } = await policy.openFile(path)
      let bytes: Buffer
      let size: number
      try {
        const stat = await handle.stat()
        if (!stat.isFile()) return { content: `${checked.relative} is not a file`, isError: true }
        size = stat.size
        bytes = Buffer.alloc(Math.min(size, READ_MAX_BYTES))
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0)
        bytes = bytes.subarray(0, bytesRead)
      } finally {
        await handle.close()
      }
      if (bytes.includes(0)) return { content: `${checked.relative} is a binary file (${size} bytes)`, isError: true }
      const lines = bytes.toString('utf8').split('\n')
      const shown = lines.slice(offset - 1, offset - 1 + limit)
      const width = String(offset + shown.length).length
      const body = shown.map((line, i) => `${String(offset + i).padStart(width)}\t${line}`).join('\n')
      const notes: string[] = []
      if (size > READ_MAX_BYTES) notes.push(`[only the first ${READ_MAX_BYTES} of ${size} bytes were read]`)
      if (offset - 1 + limit < lines.length) notes.push(`[${lines.length - (offset - 1 + limit)} more lines: use offset ${offset + limit}]`)
      return [body, ...notes].join('\n') || `${checked.relative} is empty`
    }
  }
}
