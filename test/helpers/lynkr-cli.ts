/** The built CLI as `npx lynkr` runs it: a fresh working directory and nothing but PATH and HOME (and what a test adds). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const lynkrBin = fileURLToPath(new URL('../../packages/lynkr/bin/lynkr.js', import.meta.url))

/** A temporary working directory, removed after the test. */
export function workdir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function cleanEnv (cwd: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...extra }
}
