#!/usr/bin/env -S node --max-semi-space-size=1 --heap-growing-percent=100
// Committed shim so the bin link exists right after install, before the TypeScript build has run.
// The shebang's V8 flags size the heap for a long-running gateway from the start: the young generation of the
// main thread is fixed when Node starts (dist/bin/heap-settings.js says why and what each flag saves). npm's and
// pnpm's Windows shims copy them from `env -S`; run as `node bin/lynkr.js`, heap-settings applies what it still can.
import { readFileSync, statSync } from 'node:fs'
import * as nodeModule from 'node:module'
// Node 22.1+ keeps compiled module code in its on-disk cache (under the OS temp dir): later starts skip
// most of the parsing and compiling of the gateway's modules. Node 20 has no such cache.
nodeModule.enableCompileCache?.()
const { applyHeapFlags } = await import('../dist/bin/heap-settings.js')
applyHeapFlags()

/**
 * The bundled CLI (scripts/bundle-cli.mjs: one file per lazily loaded part instead of ~1,500 modules) unless a
 * file it was built from has changed since (`tsc -b` without the bundling step): then the unbundled dist.
 */
function bundleIsCurrent () {
  const dir = new URL('../dist/cli/', import.meta.url)
  let inputs
  try {
    inputs = JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8'))
  } catch {
    return false
  }
  const built = statSync(new URL('lynkr.js', dir), { throwIfNoEntry: false })?.mtimeMs
  if (built === undefined) return false
  // Inputs that do not exist here (an installed package has no workspace sources) cannot be newer.
  return inputs.every((input) => (statSync(new URL(input, dir), { throwIfNoEntry: false })?.mtimeMs ?? 0) <= built)
}

await import(bundleIsCurrent() ? '../dist/cli/lynkr.js' : '../dist/bin/lynkr.js')
