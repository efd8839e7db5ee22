// Slow (about a minute: packing and an npm install): a host outside this monorepo
// installs lynkr from the tarballs `pnpm pack` makes, embeds it and answers a request.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { request } from 'undici'
import { startFakeOllama } from './helpers/fake-ollama.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

test('pnpm pack tarballs install into a fresh npm project, which embeds lynkr and answers a request', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-pack-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const tarballs = join(dir, 'tarballs')
  const host = join(dir, 'host')
  mkdirSync(host)

  const packed = await execa('npx', ['-y', 'pnpm@10', '--filter', './packages/**', '--filter', './plugins/**', '-r', 'pack', '--pack-destination', tarballs], { cwd: root, reject: false, all: true })
  assert.equal(packed.exitCode, 0, packed.all)
  const files = readdirSync(tarballs).filter((name) => name.endsWith('.tgz'))
  assert.ok(files.some((name) => /^lynkr-\d/.test(name)), files.join(', '))

  // What the tarballs declare: versions instead of workspace ranges, exports without the source condition.
  const manifest = JSON.parse((await execa('tar', ['-xOzf', join(tarballs, files.find((name) => /^lynkr-\d/.test(name))!), 'package/package.json'])).stdout)
  assert.doesNotMatch(JSON.stringify(manifest.dependencies), /workspace:/)
  assert.doesNotMatch(JSON.stringify(manifest.exports), /lynkr-src|src\//)

  // The host depends on every tarball (npm finds no @lynkr/* package in a registry) and on Fastify.
  const dependencies: Record<string, string> = { fastify: '5.12.8' }
  for (const file of files) {
    const name = JSON.parse((await execa('tar', ['-xOzf', join(tarballs, file), 'package/package.json'])).stdout).name as string
    dependencies[name] = `file:../tarballs/${file}`
  }
  writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module', dependencies }, null, 2))
  // Third-party packages come from npm's cache when they are in it (the registry otherwise). Install
  // scripts are skipped: better-sqlite3's would compile SQLite for minutes on a busy machine (a user's
  // install downloads a prebuilt binary or compiles it once); the binary this checkout built is copied in.
  const installed = await execa('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: host, reject: false, all: true })
  assert.equal(installed.exitCode, 0, installed.all)
  const builtSqlite = join(dirname(createRequire(join(root, 'plugins/storage/package.json')).resolve('better-sqlite3/package.json')), 'build')
  cpSync(builtSqlite, join(host, 'node_modules/better-sqlite3/build'), { recursive: true })
  const scoped = Object.keys(dependencies).filter((name) => name.startsWith('@lynkr/')).map((name) => name.slice('@lynkr/'.length))
  assert.deepEqual(readdirSync(join(host, 'node_modules/@lynkr')).sort(), scoped.sort())

  const ollama = await startFakeOllama()
  ollama.respondWith({ text: 'hello from outside the monorepo' })
  t.after(async () => { await ollama.close() })
  writeFileSync(join(host, 'server.mjs'), `
import Fastify from 'fastify'
import lynkr from 'lynkr'
const app = Fastify()
await app.register(lynkr, { prefix: '/llm', env: { MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: process.env.UPSTREAM, OLLAMA_MODEL: 'qwen3:8b', HEALTH_PROBE_INTERVAL_MS: '0' }, dataDir: './var' })
await app.listen({ port: 0, host: '127.0.0.1' })
console.log('port ' + app.server.address().port)
process.stdin.once('data', async () => { process.stdin.destroy(); await app.close() })
`)
  const server = execa('node', ['server.mjs'], { cwd: host, reject: false, all: true, stdin: 'pipe', env: { UPSTREAM: ollama.url } })
  t.after(() => { server.kill('SIGKILL') })
  let output = ''
  server.all!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const port = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /port (\d+)/.exec(output)
      if (match) { clearInterval(poll); resolve(match[1]!) }
      if (server.exitCode !== null) { clearInterval(poll); reject(new Error(`the host exited: ${output}`)) }
    }, 50)
  })

  const reply = await request(`http://127.0.0.1:${port}/llm/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
  })
  assert.equal(reply.statusCode, 200)
  assert.equal(((await reply.body.json()) as any).content[0].text, 'hello from outside the monorepo')
  assert.equal(ollama.requests.filter((r) => r.path === '/api/chat').length, 1)
  assert.ok(readdirSync(join(host, 'var')).includes('lynkr.db'), 'the usage ledger (native SQLite) works from the installed packages')

  server.stdin!.end('close\n')
  const result = await server
  assert.equal(result.exitCode, 0, output)
  assert.doesNotThrow(() => readFileSync(join(host, 'node_modules/lynkr/dist/index.js')))
})
