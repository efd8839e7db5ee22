#!/usr/bin/env node
// Bundles the built CLI (packages/lynkr/dist/bin/lynkr.js and everything it imports) into packages/lynkr/dist/cli,
// after `tsc -b`. Why: Node 20 pays per ES module file — resolving, reading, linking and keeping its source.
// `lynkr start` loaded ~1,500 files at boot (typebox alone ~680, kysely ~260); one bundle with lazily loaded
// chunks (each plugin, each command) started in ~0.35 s instead of ~1.1 s and idled at 73 MB instead of
// 88 MB on the development machine (README "Footprint and start-up"). The bin runs the bundle when it is not
// older than what it was built from (bin/lynkr.js), else the unbundled dist.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const lynkr = join(root, 'packages/lynkr')
const outdir = join(lynkr, 'dist/cli')

// Loaded at run time by path or by their own file layout, so resolved from packages/lynkr (its dependencies):
// better-sqlite3 (native, and the ledger thread requires it by path), gpt-tokenizer (its rank table is
// required and then dropped from require's cache), undici (core loads two of its files directly; one copy
// keeps `instanceof` true for errors of a dispatcher a host passes in), pino-pretty (only on a terminal).
const EXTERNAL = ['better-sqlite3', 'gpt-tokenizer', 'undici', 'pino-pretty']

// Files read next to a module (`new URL('../…', import.meta.url)`): placed where the chunks' relative URL
// finds them. dist/cli/x.js + ../../package.json is packages/lynkr/package.json already.
const DATA = [{ from: 'packages/core/config/prices.json', to: 'packages/lynkr/dist/config/prices.json' }]

rmSync(outdir, { recursive: true, force: true })
const result = await build({
  entryPoints: [join(lynkr, 'dist/bin/lynkr.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies (fastify, pino) call require() for Node's modules; an ES module has no require.
  banner: { js: "import { createRequire as __lynkrCreateRequire } from 'node:module'; const require = __lynkrCreateRequire(import.meta.url);" }
})
for (const { from, to } of DATA) {
  mkdirSync(dirname(join(root, to)), { recursive: true })
  copyFileSync(join(root, from), join(root, to))
}

// Every relative file URL the bundle opens must exist where the chunks look for it.
for (const chunk of Object.keys(result.metafile.outputs)) {
  const text = readFileSync(resolve(root, chunk), 'utf8')
  for (const [, target] of text.matchAll(/new URL\("(\.\.?\/[^"]+)", import\.meta\.url\)/g)) {
    const path = resolve(dirname(resolve(root, chunk)), target)
    if (!existsSync(path)) throw new Error(`${relative(root, chunk)} reads ${target}, missing at ${relative(root, path)}: add it to DATA in scripts/bundle-cli.mjs`)
  }
}

// What the bundle was built from (workspace files only): the bin runs the unbundled dist when one is newer.
const inputs = Object.keys(result.metafile.inputs)
  .filter((input) => !input.includes('node_modules/'))
  .map((input) => relative(outdir, resolve(process.cwd(), input)).split(sep).join('/'))
writeFileSync(join(outdir, 'inputs.json'), JSON.stringify(inputs) + '\n')
