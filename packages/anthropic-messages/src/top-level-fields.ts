import type { AnthropicTopLevelField, AnthropicTopLevelFields } from '@lynkr/protocol'
import { betaAllowed } from './betas.ts'

export const ANTHROPIC_TOP_LEVEL_FIELDS: readonly AnthropicTopLevelField[] = ['context_management', 'container', 'mcp_servers', 'service_tier']

/**
 * The beta each field needs: Anthropic refuses the field without it, so a target whose allow-list drops the
 * beta does not get the field either. `container` goes with code execution or Agent Skills.
 */
const FIELD_BETAS: Record<AnthropicTopLevelField, readonly string[] | undefined> = {
  context_management: ['context-management-*'],
  container: ['code-execution-*', 'skills-*'],
  mcp_servers: ['mcp-client-*'],
  service_tier: undefined
}

/** Whether an Anthropic-format target takes `field`: it accepts the field at all and gets the beta it needs. */
export function takesTopLevelField (field: AnthropicTopLevelField, betas: readonly string[], accepted: readonly AnthropicTopLevelField[] = ANTHROPIC_TOP_LEVEL_FIELDS): boolean {
  if (!accepted.includes(field)) return false
  const needs = FIELD_BETAS[field]
  return needs === undefined || betas.some((flag) => betaAllowed(flag, needs))
}

/** The fields of `fields` the target takes, as the client sent them. */
export function topLevelFieldsFor (fields: AnthropicTopLevelFields | undefined, betas: readonly string[], accepted?: readonly AnthropicTopLevelField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (fields === undefined) return out
  for (const field of ANTHROPIC_TOP_LEVEL_FIELDS) {
    if (fields[field] !== undefined && takesTopLevelField(field, betas, accepted)) out[field] = fields[field]
  }
  return out
}
