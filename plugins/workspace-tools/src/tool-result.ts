import type { GatewayTool, GatewayToolResult } from '@lynkr/protocol'
import { isPolicyError } from '@lynkr/policy'

/** A refusal by a policy is an answer the model should read (and adapt to), not a crash: an error result naming the policy. */
export function refusalsAsResults (tool: GatewayTool): GatewayTool {
  return {
    ...tool,
    execute: async (input, context): Promise<GatewayToolResult> => {
      try {
        return await tool.execute(input, context)
      } catch (error) {
        if (isPolicyError(error)) return { content: error.message, isError: true }
        throw error
      }
    }
  }
}

/** A required string input, or an error the model can read. */
export function textInput (input: Record<string, unknown>, name: string, fallback?: string): string {
  const value = input[name]
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${name} must be a non-empty string`)
  return value
}

export function integerInput (input: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const value = input[name]
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${name} must be a whole number`)
  return Math.min(max, Math.max(min, value))
}

/** Keeps the start and the end of a long output (a test run's failures are usually at the end). */
export function capText (text: string, max: number): string {
  if (text.length <= max) return text
  const head = Math.floor(max / 4)
  const tail = max - head
  return `${text.slice(0, head)}\n… [${text.length - max} characters cut] …\n${text.slice(text.length - tail)}`
}
