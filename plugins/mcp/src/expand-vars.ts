/**
 * Claude Code's variable expansion in MCP manifests: `${VAR}` and `${VAR:-default}` inside strings. A variable
 * that is unset (or empty, for the `:-` form) and has no default is collected in `missing`; it expands to ''.
 */
export function expandVars (text: string, env: Record<string, string | undefined>, missing: Set<string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g, (_match, name: string, hasDefault: string | undefined, fallback: string | undefined) => {
    const value = env[name]
    if (hasDefault !== undefined) return value === undefined || value === '' ? (fallback ?? '') : value
    if (value === undefined) {
      missing.add(name)
      return ''
    }
    return value
  })
}
