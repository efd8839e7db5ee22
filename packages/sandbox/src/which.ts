import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** The absolute path of an executable on PATH, or undefined. */
export function which (name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}
