import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { startFakeAnthropic } from './fake-anthropic.ts'
import { startGateway } from './gateway.ts'
import type { TestGateway } from './gateway.ts'
import type { FakeUpstream } from './fake-script.ts'

export const anthropicEnv = (url: string, extra: Record<string, string> = {}): Record<string, string> => ({
  MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5', ...extra
})

/** The gateway on the fake Anthropic upstream (Azure-hosted Claude), with both official clients pointed at it. */
export async function setupAnthropicGateway (t: { after: (fn: () => Promise<void>) => void }, extra: Record<string, string> = {}): Promise<{ fake: FakeUpstream, gateway: TestGateway, anthropic: Anthropic, openai: OpenAI }> {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  const gateway = await startGateway(anthropicEnv(fake.url, extra))
  t.after(async () => { await gateway.close(); await fake.close() })
  return {
    fake,
    gateway,
    anthropic: new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 }),
    openai: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0 })
  }
}
