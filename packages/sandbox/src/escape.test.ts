import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { detectRuntime, wrapCommand } from './index.ts'
import type { WrapOptions } from './index.ts'

// Real escape attempts through bubblewrap. .ci/run installs it; where it cannot run, say so and skip.
const runtime = await detectRuntime('bubblewrap')
const skip = runtime === 'none' ? 'bubblewrap is not installed or cannot create namespaces here (apt-get install bubblewrap)' : false
if (skip !== false) console.log(`# sandbox escape tests skipped: ${skip}`)

const root = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-escape-')))
const workspace = join(root, 'workspace')
const outside = join(root, 'outside')
const canary = join(outside, 'canary.txt')
// Node may live outside /usr (nvm, a tarball): make it visible read-only, as a toolchain would be.
const nodeDir = dirname(dirname(realpathSync(process.execPath)))
const readOnlyPaths = nodeDir.startsWith('/usr/') || nodeDir === '/usr' ? [] : [nodeDir]

interface Run { code: number | null, stdout: string, stderr: string }

function run (script: string, options: Partial<WrapOptions> = {}): Promise<Run> {
  const wrapped = wrapCommand(process.execPath, ['-e', script], { runtime: 'bubblewrap', workspace, env: { PATH: '/usr/bin:/bin' }, readOnlyPaths, ...options })
  return new Promise((resolve, reject) => {
    const child = spawn(wrapped.command, wrapped.args, { env: wrapped.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => { resolve({ code, stdout: stdout.trim(), stderr }) })
  })
}

/** Prints what happened to one attempt: ok:<detail> or denied:<error code>. */
const attempt = (body: string): string => `try { const r = (() => { ${body} })(); console.log('ok:' + (r ?? '')) } catch (e) { console.log('denied:' + (e.code ?? e.message)) }`

describe('bubblewrap sandbox: escape attempts', { skip }, () => {
  let server: Server
  let port: number
  before(async () => {
    mkdirSync(workspace, { recursive: true })
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(workspace, 'inside.txt'), 'visible')
    writeFileSync(canary, 'CANARY-outside-the-workspace')
    server = createServer((request, response) => { response.end('reached the host') })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    port = (server.address() as AddressInfo).port
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(root, { recursive: true, force: true })
  })

  test('the workspace is readable; a write to it fails unless writable', async () => {
    const read = await run(attempt(`return require('fs').readFileSync('${workspace}/inside.txt', 'utf8')`))
    assert.equal(read.stdout, 'ok:visible', read.stderr)
    const write = await run(attempt(`require('fs').writeFileSync('${workspace}/new.txt', 'x')`))
    assert.equal(write.stdout, 'denied:EROFS')
    assert.equal(existsSync(join(workspace, 'new.txt')), false)
    const writable = await run(attempt(`require('fs').writeFileSync('${workspace}/new.txt', 'x')`), { workspaceWritable: true })
    assert.equal(writable.stdout, 'ok:')
    assert.equal(readFileSync(join(workspace, 'new.txt'), 'utf8'), 'x', 'the positive control: a writable workspace really is the host directory')
  })

  test('writing outside the workspace never reaches the host', async () => {
    const result = await run(attempt(`require('fs').writeFileSync('${canary}', 'overwritten'); return 'wrote'`), { workspaceWritable: true })
    assert.notEqual(result.stdout, 'ok:wrote', 'the directory beside the workspace does not exist inside')
    assert.equal(readFileSync(canary, 'utf8'), 'CANARY-outside-the-workspace')
    const system = await run(attempt(`require('fs').writeFileSync('/usr/lynkr-escape', 'x')`))
    assert.equal(system.stdout, 'denied:EROFS')
    assert.equal(existsSync('/usr/lynkr-escape'), false)
  })

  test('files outside the workspace cannot be read: a canary beside it, ~/.ssh, /etc/shadow, the host /tmp', async () => {
    for (const path of [canary, join(homedir(), '.ssh'), '/etc/shadow', '/etc/passwd', join(tmpdir(), 'lynkr-escape-probe')]) {
      const result = await run(attempt(`return require('fs').readdirSync('${dirname(path)}').join(',') + '|' + require('fs').readFileSync('${path}', 'utf8')`))
      assert.match(result.stdout, /^denied:/, `${path}: ${result.stdout}`)
    }
  })

  test('no network: a server on the host\'s 127.0.0.1 is unreachable, and reachable when network is allowed', async () => {
    const script = `fetch('http://127.0.0.1:${port}/').then(async (r) => console.log('ok:' + await r.text()), (e) => console.log('denied:' + (e.cause?.code ?? e.message)))`
    const offline = await run(script)
    assert.match(offline.stdout, /^denied:/, offline.stdout + offline.stderr)
    const online = await run(script, { network: true })
    assert.equal(online.stdout, 'ok:reached the host', 'the positive control: the same request with network allowed' + online.stderr)
  })

  test('the gateway\'s environment does not pass; only the given variables do', async () => {
    process.env.LYNKR_SANDBOX_CANARY = 'parent-secret'
    try {
      const script = `console.log(JSON.stringify({ canary: process.env.LYNKR_SANDBOX_CANARY ?? null, given: process.env.GIVEN ?? null, host: require('fs').existsSync('/proc/1/environ') ? require('fs').readFileSync('/proc/1/environ', 'utf8').includes('parent-secret') : false }))`
      const result = await run(script, { env: { PATH: '/usr/bin', GIVEN: 'yes' } })
      assert.deepEqual(JSON.parse(result.stdout), { canary: null, given: 'yes', host: false }, result.stderr)
    } finally {
      delete process.env.LYNKR_SANDBOX_CANARY
    }
  })

  test('other processes of the host are invisible (own pid namespace) and no capabilities remain', async () => {
    const result = await run(`console.log(require('fs').readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).length + ' ' + require('fs').readFileSync('/proc/self/status', 'utf8').match(/CapEff:\\s*(\\w+)/)[1])`)
    const [count, caps] = result.stdout.split(' ')
    assert.ok(Number(count) <= 3, `processes seen: ${count}`)
    assert.equal(caps, '0000000000000000')
  })
})
