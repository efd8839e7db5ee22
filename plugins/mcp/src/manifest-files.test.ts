import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { discoverServers, parseManifest } from './manifest-files.ts'
import { expandVars } from './expand-vars.ts'

test('expandVars: ${VAR}, ${VAR:-default}; unset variables without a default are reported', () => {
  const missing = new Set<string>()
  assert.equal(expandVars('a=${A} b=${B:-bee} c=${C:-} e=${E:-x}', { A: 'aye', E: '' }, missing), 'a=aye b=bee c= e=x')
  assert.deepEqual([...missing], [])
  assert.equal(expandVars('${NOPE}/bin', {}, missing), '/bin')
  assert.deepEqual([...missing], ['NOPE'])
  assert.equal(expandVars('$HOME and ${ not a var }', { HOME: '/h' }, missing), '$HOME and ${ not a var }', 'only the braced form expands')
})

test('Lynkr\'s format ({"servers": […]} and a bare array) and Claude Code\'s mcpServers', () => {
  const problems: string[] = []
  const lynkr = parseManifest({ servers: [{ id: 'git', name: 'Git', command: 'mcp-git', args: ['--repo', '.'], env: { TOKEN: 't' }, transport: 'stdio' }] }, 'a.json', {}, problems)
  assert.deepEqual(lynkr, [{ id: 'git', name: 'Git', transport: 'stdio', command: 'mcp-git', args: ['--repo', '.'], env: { TOKEN: 't' }, headers: {}, source: 'a.json' }])
  const array = parseManifest([{ name: 'my server.v2', command: 'x' }], 'b.json', {}, problems)
  assert.equal(array[0]!.id, 'my_server_v2', 'the id keeps to tool-name characters')
  const claude = parseManifest({
    mcpServers: {
      github: { type: 'http', url: '${GH_URL:-https://api.example.com/mcp}', headers: { Authorization: 'Bearer ${GH_TOKEN}' } },
      events: { type: 'sse', url: 'http://127.0.0.1:9/sse' },
      local: { command: 'node', args: ['${ROOT}/server.js'], env: { KEY: '${KEY}' } },
      off: { command: 'node', disabled: true }
    }
  }, 'c.json', { GH_TOKEN: 'tok', ROOT: '/srv', KEY: 'k' }, problems)
  assert.deepEqual(problems, [])
  assert.deepEqual(claude.map((server) => [server.id, server.transport, server.url ?? server.command]), [['github', 'http', 'https://api.example.com/mcp'], ['events', 'sse', 'http://127.0.0.1:9/sse'], ['local', 'stdio', 'node']])
  assert.deepEqual(claude[0]!.headers, { Authorization: 'Bearer tok' })
  assert.deepEqual(claude[2]!.args, ['/srv/server.js'])
  assert.deepEqual(claude[2]!.env, { KEY: 'k' })
})

test('bad entries are named: no command, no url, an unknown transport, an unset variable, an unknown shape', () => {
  const problems: string[] = []
  const servers = parseManifest({ mcpServers: { a: {}, b: { type: 'http' }, c: { type: 'carrier-pigeon', command: 'x' }, d: { command: 'x', env: { K: '${UNSET}' } }, e: { command: 'ok' } } }, 'm.json', {}, problems)
  assert.deepEqual(servers.map((server) => server.id), ['e'])
  assert.deepEqual(problems, [
    'm.json: server a: a stdio server needs a command',
    'm.json: server b: an http server needs an http(s) url',
    'm.json: server c: transport "carrier-pigeon" is not stdio, http or sse',
    'm.json: server d: UNSET not set (use ${NAME:-default} for a default)'
  ])
  parseManifest({ tools: [] }, 'x.json', {}, problems)
  assert.match(problems.at(-1)!, /x\.json: expected \{"servers": \[\.\.\.\]\}/)
})

test('discovery: the manifest file and every *.json of the directories; a bad discovered file is a warning, a bad MCP_SERVER_MANIFEST an error; ids are unique', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-mcp-unit-'))
  writeFileSync(join(dir, 'one.json'), JSON.stringify({ servers: [{ id: 'a', command: 'x' }] }))
  writeFileSync(join(dir, 'two.json'), JSON.stringify({ mcpServers: { a: { command: 'y' }, b: { command: 'z' } } }))
  writeFileSync(join(dir, 'broken.json'), '{ nope')
  writeFileSync(join(dir, 'readme.md'), '# not json')
  const found = discoverServers(undefined, [dir, join(dir, 'missing')], {})
  assert.deepEqual(found.servers.map((server) => [server.id, server.command]), [['a', 'x'], ['b', 'z']])
  assert.equal(found.warnings.length, 2)
  assert.match(found.warnings[0]!, /broken\.json: /)
  assert.match(found.warnings[1]!, /two\.json: MCP server id "a" is already defined/)
  assert.throws(() => discoverServers(join(dir, 'broken.json'), [], {}), /MCP_SERVER_MANIFEST: .*broken\.json/)
  assert.throws(() => discoverServers(join(dir, 'absent.json'), [], {}), /MCP_SERVER_MANIFEST: .*absent\.json: ENOENT/)
  assert.deepEqual(discoverServers(join(dir, 'one.json'), [], {}).servers.map((server) => server.id), ['a'])
})
