/**
 * What a stdio MCP server may see of the gateway's environment: enough to find programs, a home, a locale
 * and a temp dir. Never provider keys, LYNKR_API_KEY or anything else: a server gets a secret only when its
 * manifest names it.
 */
export const BASE_ENV = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ',
  'TMPDIR', 'TMP', 'TEMP',
  // Windows needs these to start most programs.
  'SYSTEMROOT', 'SystemRoot', 'WINDIR', 'COMSPEC', 'PATHEXT', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'PROGRAMDATA', 'ProgramFiles'
]

export function childEnv (manifestEnv: Record<string, string>, hostEnv: Record<string, string | undefined> = process.env): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of BASE_ENV) {
    const value = hostEnv[name]
    if (value !== undefined) env[name] = value
  }
  return { ...env, ...manifestEnv }
}
