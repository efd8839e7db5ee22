#!/usr/bin/env node
// Runs the whole suite: builds (the CLI tests run the built bin, as users do), type-checks test/, then node:test over the
// TypeScript sources through tsx, resolving workspace packages to their src via the lynkr-src condition.
// `node scripts/test.mjs unit` skips the root test/ folder; extra args are file filters.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const unitOnly = args[0] === 'unit'
const filters = args.filter((arg) => arg !== 'unit')

function walk (dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const dirs = ['packages', 'plugins', ...(unitOnly ? [] : ['test'])]
let files = dirs.flatMap((dir) => walk(join(root, dir)))
if (filters.length > 0) files = files.filter((file) => filters.some((filter) => file.includes(filter)))

// The sandbox tests confine real commands with bubblewrap: install it where the machine lets us (root with apt);
// elsewhere those tests skip and say why.
function ensureBubblewrap () {
  if (spawnSync('sh', ['-c', 'command -v bwrap'], { stdio: 'ignore' }).status === 0) return
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) return
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null'], { stdio: 'inherit' })
  if (install.status !== 0) console.error('bubblewrap could not be installed: the sandbox tests will skip')
}
ensureBubblewrap()

const build = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
// The CLI tests run the bin, which runs the bundle (scripts/bundle-cli.mjs) when it is current.
const bundle = spawnSync(process.execPath, ['scripts/bundle-cli.mjs'], { cwd: root, stdio: 'inherit' })
if (bundle.status !== 0) process.exit(bundle.status ?? 1)
// The root test/ folder is not a build project; type-check it on its own (the packages' tests are checked by -b).
if (!unitOnly) {
  const check = spawnSync('npx', ['tsc', '-p', 'test/tsconfig.json'], { cwd: root, stdio: 'inherit' })
  if (check.status !== 0) process.exit(check.status ?? 1)
}

const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--conditions=lynkr-src', '--test', '--test-concurrency=2', '--test-timeout=180000', ...files
], { cwd: root, stdio: 'inherit', env: { ...process.env, LYNKR_TEST: '1' } })
process.exit(result.status ?? 1)
