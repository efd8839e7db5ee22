import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatMessage, TextBlock } from '@lynkr/protocol'
import { countRequestTokens } from '@lynkr/core'
import { compactClaudeCodeSystem, compactClaudeCodeSystemMessage, isClaudeCode, tidyWhitespace } from './claude-code-prompt.ts'

/** Claude Code 2.1.332's first print-mode request, as the real CLI sent it. */
const claudeCode = JSON.parse(readFileSync(new URL('../../../test/fixtures/claude-code/2.1.332-print-first-request.json', import.meta.url), 'utf8')) as { system: TextBlock[], messages: ChatMessage[] }
const environmentMessage = claudeCode.messages.find((message) => message.role === 'system')!
const environmentText = (environmentMessage.content[0] as TextBlock).text
const agentTools = new Set(['Bash', 'Edit', 'Read', 'ToolSearch', 'Write'])

describe("Claude Code 2.1.332's system prompt, compact", () => {
  test('is recognised; a generic prompt is not', () => {
    assert.ok(isClaudeCode(claudeCode))
    assert.ok(!isClaudeCode({ system: [{ type: 'text', text: 'You are a helpful assistant.' }] }))
  })

  test('keeps the identity line and the tool rules for the tools offered; drops the billing header and the long guidance', () => {
    const [block, ...rest] = compactClaudeCodeSystem(claudeCode.system, agentTools)
    assert.equal(rest.length, 0)
    assert.match(block!.text, /^You are a Claude agent, built on Anthropic's Claude Agent SDK\./)
    assert.match(block!.text, /old_string must match the file exactly/)
    assert.match(block!.text, /ToolSearch/)
    assert.doesNotMatch(block!.text, /x-anthropic-billing-header|# Memory|pronoun|CTF/)
    assert.deepEqual(block!.cache_control, { type: 'ephemeral' }, 'the cache marker Claude Code set stays')
    assert.doesNotMatch(compactClaudeCodeSystem(claudeCode.system, new Set(['Bash']))[0]!.text, /ToolSearch|Edit/)
  })

  test('the environment message keeps working directory, platform, shell and date; listings follow the tools', () => {
    const compact = compactClaudeCodeSystemMessage(environmentText, agentTools)
    for (const fact of [/Primary working directory: \/tmp\/lynkr-cc-cwd-\w+/, /Is a git repository: false/, /Platform: linux/, /Shell: bash/, /OS Version: Linux/, /Today's date is 2026-12-06\./]) assert.match(compact, fact)
    assert.match(compact, /Deferred tools \(load with ToolSearch "select:<name>" before calling\): CronCreate, CronDelete, .*WebFetch, WebSearch/)
    assert.doesNotMatch(compact, /Agent types|Skills|dataviz|powered by the model|untrusted data/)
    const withSkills = compactClaudeCodeSystemMessage(environmentText, new Set([...agentTools, 'Skill', 'Agent']))
    assert.match(withSkills, /Skills for the Skill tool: dataviz, update-config, keybindings-help, code-review/)
    assert.match(withSkills, /Agent types for the Agent tool: claude, Explore, general-purpose, Plan, statusline-setup/)
    assert.doesNotMatch(compactClaudeCodeSystemMessage(environmentText, new Set(['Bash'])), /Deferred tools/)
  })

  test('system prompt and environment message together shrink from ~4K to under 700 tokens (o200k)', async () => {
    const before = await countRequestTokens({ system: claudeCode.system, messages: [environmentMessage] })
    const after = await countRequestTokens({
      system: compactClaudeCodeSystem(claudeCode.system, agentTools),
      messages: [{ role: 'system', content: [{ type: 'text', text: compactClaudeCodeSystemMessage(environmentText, agentTools) }] }]
    })
    assert.ok(before > 3500, `before: ${before}`)
    assert.ok(after < 700, `after: ${after}`)
  })
})

test('tidyWhitespace removes trailing spaces and blank-line runs only', () => {
  assert.equal(tidyWhitespace('a  \n\n\n\nb\t\n  c'), 'a\n\nb\n  c')
})
