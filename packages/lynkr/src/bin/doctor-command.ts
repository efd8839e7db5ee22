import type { FastifyInstance } from 'fastify'
import { LynkrConfigError } from '@lynkr/core'
import { buildServer } from '../server.ts'
import { catalog } from '../catalog.ts'
import { dialUrl, listenAddress, whoListens } from './cli-env.ts'
import { unsupportedByFeature, unsupportedSummary } from '../migrate/migrate-env.ts'

interface ProbeReport { ok: boolean, detail: string, latencyMs?: number }

/** The variables to look at when a provider's probe fails: its endpoint(s) and its secrets, from its manifest. */
async function fixHint (provider: string): Promise<string> {
  const entry = catalog.find((candidate) => candidate.providers?.includes(provider))
  if (entry === undefined) return ''
  const { manifest } = await entry.load()
  const names = Object.keys((manifest.env as { properties?: Record<string, unknown> }).properties ?? {})
  const endpoints = names.filter((name) => /ENDPOINT|API_BASE/.test(name) && !/EMBEDDINGS|_BEDROCK$|^AWS_ENDPOINT_URL$/.test(name))
  const secrets = manifest.secrets ?? []
  const check = [...endpoints, ...secrets.filter((name) => !endpoints.includes(name))]
  return check.length === 0 ? '' : `check ${check.join(', ')}${entry.enabledBy === undefined ? ' (is the server running?)' : ''}`
}

/**
 * `lynkr doctor`: boots the configuration without listening, reports what the boot would warn about, checks the
 * port, and probes every enabled provider for real (the deep health check). Returns 1 when something is broken.
 */
export async function doctorCommand (options: { port?: string, host?: string }, write: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const ok = (text: string): void => write(`✓ ${text}\n`)
  const warn = (text: string): void => write(`! ${text}\n`)
  const bad = (text: string, fix?: string): void => write(`✗ ${text}\n${fix ? `  fix: ${fix}\n` : ''}`)
  let broken = 0

  let app: FastifyInstance
  try {
    app = await buildServer({ env: process.env, logger: false })
    await app.ready()
  } catch (error) {
    if (!(error instanceof LynkrConfigError)) throw error
    bad(`configuration: ${error.message}`, error.variable === undefined ? undefined : `set or correct ${error.variable} (lynkr env lists every variable)`)
    return 1
  }
  try {
    ok(`configuration: ${app.lynkr.routing.describe()}; plugins: ${app.lynkr.plugins.join(', ')}`)
    const lynkrVariables = app.lynkr.status.get('lynkrVariables')?.() as { aliases?: Record<string, { as: string, value: string }>, unsupported?: Record<string, string[]> } | undefined
    const aliases = Object.entries(lynkrVariables?.aliases ?? {})
    if (aliases.length > 0) ok(`Lynkr variables read under lynkr's names: ${aliases.map(([from, { as, value }]) => `${from} → ${as}=${value}`).join(', ')}`)
    // The boot's one-line warning about unsupported Lynkr variables, here a line per feature with the reason.
    const unsupported = lynkrVariables?.unsupported ?? {}
    const summary = unsupportedSummary(unsupported)
    if (summary !== undefined) {
      const count = Object.values(unsupported).reduce((sum, names) => sum + names.length, 0)
      warn(`${count} Lynkr variable(s) set here are not supported by lynkr (yet) and have no effect (README: Migrating from Lynkr):`)
      for (const line of unsupportedByFeature(unsupported)) write(`    ${line}\n`)
    }
    for (const note of app.lynkr.notes) if (note !== summary) warn(note)

    const address = listenAddress(options, process.env)
    if (address.port !== 0) {
      const url = dialUrl(address)
      const listening = await whoListens(url)
      if (listening === 'lynkr') ok(`lynkr is running at ${url}`)
      else if (listening === 'other') { broken++; bad(`port ${address.port} is taken by another program, so lynkr start would fail`, 'stop it, or set PORT to a free port') }
      else ok(`port ${address.port} is free for lynkr start`)
    }

    const response = await app.inject({ method: 'GET', url: '/health/ready?deep=true' })
    if (response.statusCode === 404) {
      warn('the health plugin is not enabled (LYNKR_PLUGINS), so providers were not probed')
    } else {
      const providers = (response.json() as { providers?: Record<string, ProbeReport> }).providers ?? {}
      for (const [provider, probe] of Object.entries(providers)) {
        const where = app.lynkr.routing.defaultInUse && provider === app.lynkr.routing.defaultProvider ? ' (default)' : ''
        if (probe.ok) ok(`provider ${provider}${where}: ${probe.detail}${probe.latencyMs === undefined ? '' : ` (${probe.latencyMs} ms)`}`)
        else { broken++; bad(`provider ${provider}${where}: ${probe.detail}`, await fixHint(provider)) }
      }
    }
  } finally {
    await app.close()
  }
  write(broken === 0 ? 'Everything lynkr needs is in order.\n' : `${broken} problem(s) to fix.\n`)
  return broken === 0 ? 0 : 1
}
