import { Writable } from 'node:stream'
import { buildServer } from 'lynkr'

type FastifyInstance = Awaited<ReturnType<typeof buildServer>>

export interface TestGateway { app: FastifyInstance, url: string, close: () => Promise<void> }

/** Boots the real gateway (the same server the CLI runs) on a loopback port with an explicit env. */
export async function startGateway (env: Record<string, string | undefined>, options: { plugins?: Parameters<typeof buildServer>[0]['plugins'], logger?: boolean | Record<string, unknown> } = {}): Promise<TestGateway> {
  // Shedding on event-loop load is off unless a test is about it: a busy machine must not fail other tests.
  const quiet = { LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: '0', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' }
  // MCP manifests only where a test names them: the default ~/.claude/mcp of the machine running the tests is not read.
  const hermetic = { MCP_MANIFEST_DIRS: '' }
  const app = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', LYNKR_DATA_DIR: ':memory:', ...quiet, ...hermetic, ...env }, logger: options.logger ?? false, plugins: options.plugins })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}`, close: async () => { await app.close() } }
}

/**
 * The gateway with its log watched, so a test waits for background work (a summary) by its log line, not by time;
 * `lines` are the JSON log lines so far.
 */
export async function startGatewayWithLog (env: Record<string, string>): Promise<{ gateway: TestGateway, lines: string[], logged: (pattern: RegExp) => Promise<void> }> {
  const lines: string[] = []
  const waiters: Array<() => void> = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); for (const wake of waiters.splice(0)) wake(); done() } })
  const gateway = await startGateway(env, { logger: { level: 'info', stream } })
  const logged = async (pattern: RegExp): Promise<void> => {
    while (!lines.some((line) => pattern.test(line))) await new Promise<void>((resolve) => waiters.push(resolve))
  }
  return { gateway, lines, logged }
}

export function ollamaEnv (fakeUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: fakeUrl, OLLAMA_MODEL: 'qwen2.5-coder:7b', ...extra }
}

export function openAIEnv (fakeUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${fakeUrl}/v1`, OPENAI_MODEL: 'gpt-4o-mini', ...extra }
}
