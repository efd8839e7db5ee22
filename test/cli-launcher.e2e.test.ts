import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { request } from 'undici'
import { cleanEnv, lynkrBin, workdir } from './helpers/lynkr-cli.ts'

// The bin's shebang gives node its V8 heap flags (`env -S`; packages/lynkr/src/bin/heap-settings.ts says why) and the
// bin runs the bundled CLI (scripts/bundle-cli.mjs). These run it as npm's node_modules/.bin link does on POSIX (the
// kernel reads the shebang), and check that the
// launcher prints nothing of its own, serves, and exits 0 on SIGTERM, with and without the user's own heap flags.
const posix = process.platform !== 'win32'

function linkedBin (cwd: string): string {
  const dir = join(cwd, 'node_modules', '.bin')
  mkdirSync(dir, { recursive: true })
  symlinkSync(lynkrBin, join(dir, 'lynkr'))
  return join(dir, 'lynkr')
}

test('the .bin link runs `lynkr --version` with nothing but the version on stdout and nothing on stderr', { skip: !posix }, async (t) => {
  const cwd = workdir(t)
  const result = await execa(linkedBin(cwd), ['--version'], { cwd, env: cleanEnv(cwd), extendEnv: false, reject: false, timeout: 30_000 })
  assert.equal(result.exitCode, 0, result.stderr)
  assert.match(result.stdout, /^\d+\.\d+\.\d+\S*$/)
  assert.equal(result.stderr, '')
})

for (const nodeOptions of [undefined, '--max-semi-space-size=4']) {
  test(`the .bin link starts the gateway, serves and exits 0 on SIGTERM (NODE_OPTIONS ${nodeOptions ?? 'unset'})`, { skip: !posix }, async (t) => {
    const cwd = workdir(t)
    const env = cleanEnv(cwd, { PORT: '0', LOG_LEVEL: 'info', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9', ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }) })
    const child = execa(linkedBin(cwd), ['start'], { cwd, env, extendEnv: false, reject: false, all: true })
    t.after(() => { child.kill('SIGKILL') })
    let output = ''
    child.all!.on('data', (chunk: Buffer) => { output += chunk.toString() })
    let port: number | undefined
    for (let waited = 0; port === undefined; waited += 50) {
      if (waited > 30_000 || child.exitCode !== null) assert.fail(`lynkr did not start: ${output}`)
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match !== null) port = Number(match[1])
      else await new Promise((resolve) => setTimeout(resolve, 50))
    }
    // The shebang's flags reached node's own command line (the kernel ran env -S, env exec'd node in place).
    if (process.platform === 'linux') assert.match(readFileSync(`/proc/${child.pid!}/cmdline`, 'utf8'), /\0--max-semi-space-size=1\0--heap-growing-percent=100\0/)
    const live = await request(`http://127.0.0.1:${port}/health/live`)
    await live.body.dump()
    assert.equal(live.statusCode, 200)
    child.kill('SIGTERM')
    const result = await child
    assert.equal(result.exitCode, 0, output)
    assert.doesNotMatch(output, /unrecognized flag|Warning:|Error:/i, 'the launcher adds no noise')
  })
}
