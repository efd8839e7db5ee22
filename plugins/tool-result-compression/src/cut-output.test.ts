import { test } from 'node:test'
import assert from 'node:assert/strict'
import { classifyOutput } from './classify-output.ts'
import { cleanTerminalOutput } from './clean-output.ts'
import { cutOutput } from './cut-output.ts'
import { failingNodeTestRun, gitLog, grepOutput } from './sample-outputs.ts'

test('a failing node --test run keeps both failures with their details and the summary; passing tests go, with a notice', () => {
  const output = failingNodeTestRun()
  const kind = classifyOutput(output, { name: 'Bash', input: { command: 'node --test test/' } })
  assert.equal(kind, 'test-run')
  const cut = cutOutput(output, { kind, maxChars: 6000, tool: 'Bash', cutFileReads: false })
  assert.ok(cut.length <= 6000 * 1.05, `cut to about the budget (${cut.length})`)
  assert.ok(cut.length < output.length / 2)
  for (const kept of ['✖ rejects trailing commas', '1 !== 2', 'parse.test.js:42:10', "operator: 'strictEqual'", '✖ keeps unicode escapes', "reading 'codePointAt'", 'ℹ fail 2', 'ℹ tests 302', '✖ failing tests:']) {
    assert.ok(cut.includes(kept), `keeps "${kept}"`)
  }
  assert.ok(!cut.includes('parses case 200 of'), 'a passing test in the middle is omitted')
  assert.match(cut, /\[lynkr: output truncated: [\d,]+ lines of [\d,]+ omitted \(passing tests and progress omitted; failures and the summary are kept\); to see lines \d+–\d+, re-run the command with `\| sed -n '\d+,\d+p'` appended\]$/)
})

test('a 3,000-line grep keeps its first and last lines, marks the gap in place and says how to see it', () => {
  const output = grepOutput()
  const kind = classifyOutput(output, { name: 'Bash', input: { command: 'grep -rn "client.request" src' } })
  assert.equal(kind, 'listing')
  const cut = cutOutput(output, { kind, maxChars: 8000, tool: 'Bash', cutFileReads: false })
  const lines = cut.split('\n')
  assert.equal(lines[0], output.split('\n')[0])
  assert.equal(lines[lines.length - 2], output.split('\n').at(-1), 'the last match stays, just before the notice')
  const gap = /^\[… lines ([\d,]+)–3,000 omitted .*…\]$/.exec(lines.find((line) => line.startsWith('[… lines'))!)
  assert.equal(gap, null, 'the tail is kept, so the gap ends before line 3,000')
  const marker = lines.find((line) => line.startsWith('[… lines'))!
  const [, from, to] = /^\[… lines ([\d,]+)–([\d,]+) omitted .*…\]$/.exec(marker)!.map((n) => Number(n.replace(/,/g, '')))
  assert.equal(lines.indexOf(marker), from! - 1, 'the marker sits where the omitted lines were')
  // With counts: how many matches the gap held, in which files (the most first), so the model can narrow.
  const omitted = output.split('\n').slice(from! - 1, to)
  const perFile = new Map<string, number>()
  for (const line of omitted) { const file = line.slice(0, line.indexOf(':')); perFile.set(file, (perFile.get(file) ?? 0) + 1) }
  const [first] = [...perFile].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  assert.ok(marker.includes(`omitted (${omitted.length.toLocaleString('en-US')} matches in ${perFile.size.toLocaleString('en-US')} files: ${first![0]} ${first![1]}, `), marker)
  assert.ok(marker.endsWith(`, ${(perFile.size - 6).toLocaleString('en-US')} more) …]`), marker)
  assert.equal(lines.at(-1), `[lynkr: output truncated: ${(to! - from! + 1).toLocaleString('en-US')} lines of 3,000 omitted (the first and last lines are kept); to see lines ${from}–${to}, re-run the command with \`| sed -n '${from},${to}p'\` appended]`)
  // The Grep tool has no pipe of its own: its hint says how to narrow the search instead.
  const viaGrepTool = cutOutput(output, { kind: classifyOutput(output, { name: 'Grep', input: { pattern: 'client.request' } }), maxChars: 8000, tool: 'Grep', cutFileReads: false })
  assert.match(viaGrepTool.split('\n').at(-1)!, /search again with a narrower pattern, path or glob/)
})

test('git log keeps the newest and the oldest commits', () => {
  const output = gitLog(400)
  const kind = classifyOutput(output, { name: 'Bash', input: { command: 'git log' } })
  assert.equal(kind, 'listing')
  const cut = cutOutput(output, { kind, maxChars: 4000, tool: 'Bash', cutFileReads: false })
  assert.ok(cut.includes('Change 0: adjust') && cut.includes('Change 399: adjust') && !cut.includes('Change 200: adjust'))
  assert.ok(cut.length < 4000 * 1.1)
  const kept = cut.match(/^commit /gm)!.length
  const counted = /omitted \((\d+) commits\) …\]/.exec(cut)
  assert.ok(counted !== null, 'the gap says how many commits it held')
  // A gap may begin inside a commit whose header is kept: the commits it holds are the headers it holds.
  assert.equal(Number(counted[1]) + kept, 400)
})

test('a find listing\'s gap counts the omitted paths per directory', () => {
  const output = Array.from({ length: 900 }, (_, i) => `./src/${['parser', 'lexer', 'emit'][i % 3]}/file${i}.ts`).join('\n')
  const cut = cutOutput(output, { kind: classifyOutput(output, { name: 'Bash', input: { command: 'find . -name "*.ts"' } }), maxChars: 4000, tool: 'Bash', cutFileReads: false })
  const marker = cut.split('\n').find((line) => line.startsWith('[… lines'))!
  const [, from, to, total] = /^\[… lines ([\d,]+)–([\d,]+) omitted \(([\d,]+) paths in 3 directories: \.\/src\/\w+\/ \d+, \.\/src\/\w+\/ \d+, \.\/src\/\w+\/ \d+\) …\]$/.exec(marker)!.map((n) => Number(n.replace(/,/g, '')))
  assert.equal(total, to! - from! + 1)
})

test('ANSI colours and overwritten progress bars are removed; what the terminal finally showed stays', () => {
  const raw = [
    '\u001b[1m\u001b[32m> build\u001b[39m\u001b[22m',
    'Downloading  [#####               ] 25%\rDownloading  [##########          ] 50%\rDownloading  [####################] 100%',
    ...Array.from({ length: 30 }, (_, i) => `[${'='.repeat(i)}>${' '.repeat(30 - i)}] ${Math.round(i / 30 * 100)}%`),
    '\u001b[31merror\u001b[0m TS2304: Cannot find name \u001b[1mfoo\u001b[22m.',
    'done in 2.3s'
  ].join('\n')
  const clean = cleanTerminalOutput(raw)
  assert.equal(clean, ['> build', 'Downloading  [####################] 100%', `[${'='.repeat(29)}>${' '.repeat(1)}] 97%`, 'error TS2304: Cannot find name foo.', 'done in 2.3s'].join('\n'))
  assert.equal(cleanTerminalOutput('- a list item\n- another'), '- a list item\n- another', 'markdown lists are not progress bars')
})

test('file reads (Read, cat -n) are not cut by default; cut only when asked', () => {
  const file = Array.from({ length: 2000 }, (_, i) => `${String(i + 1).padStart(6)}\tconst line${i} = ${i}`).join('\n')
  assert.equal(classifyOutput(file, { name: 'Read', input: { file_path: '/repo/src/big.ts' } }), 'file-read')
  assert.equal(classifyOutput(file, undefined), 'file-read', 'recognised by its numbered lines alone')
  assert.equal(classifyOutput('x\ny', { name: 'Bash', input: { command: 'cat src/a.ts' } }), 'file-read')
  assert.equal(cutOutput(file, { kind: 'file-read', maxChars: 4000, tool: 'Read', cutFileReads: false }), file)
  const cut = cutOutput(file, { kind: 'file-read', maxChars: 4000, tool: 'Read', cutFileReads: true })
  assert.ok(cut.length < 4500 && cut.includes('const line0 = 0') && cut.includes('const line1999 = 1999'))
})

test('cutting is pure and leaves short output alone', () => {
  const output = grepOutput()
  const options = { kind: 'listing' as const, maxChars: 5000, tool: 'Bash', cutFileReads: false }
  assert.equal(cutOutput(output, options), cutOutput(output, options))
  const short = grepOutput(20)
  assert.equal(cutOutput(short, options), short)
})

test('generic output keeps error lines from the middle; one enormous line is cut inside', () => {
  const lines = Array.from({ length: 1000 }, (_, i) => i === 500 ? 'Error: ENOENT: no such file or directory, open \'/repo/config.json\'' : `step ${i}: compiled module ${i}`)
  const cut = cutOutput(lines.join('\n'), { kind: 'generic', maxChars: 3000, tool: 'Bash', cutFileReads: false })
  assert.ok(cut.includes("Error: ENOENT: no such file or directory, open '/repo/config.json'"))
  const json = JSON.stringify({ items: Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `item ${i}` })) })
  const oneLine = cutOutput(json, { kind: 'generic', maxChars: 4000, tool: 'mcp__api__list', cutFileReads: false })
  assert.ok(oneLine.length < 4200 && oneLine.startsWith('{"items":[{"id":0') && /characters [\d,]+–[\d,]+ of this line omitted/.test(oneLine))
  assert.match(oneLine, /call the tool again with a narrower request\]$/)
})

test('a line cut in the middle says which characters went and how to see exactly them (re-running for the line alone would cut it again)', () => {
  const minified = `var a=${'x'.repeat(30_000)};var b=${'y'.repeat(30_000)};`
  const output = ['build ok', minified, ...Array.from({ length: 400 }, (_, i) => `chunk ${i} written`), 'done'].join('\n')
  for (const tool of ['Bash', 'Grep']) {
    const cut = cutOutput(output, { kind: 'generic', maxChars: 8000, tool, cutFileReads: false })
    const marker = /\[lynkr: characters ([\d,]+)–([\d,]+) of this line omitted\]/.exec(cut)
    assert.ok(marker !== null, 'the long line is marked with the range it lost')
    const [from, to] = [marker[1]!, marker[2]!].map((n) => Number(n.replace(/,/g, '')))
    const line = cut.split('\n')[1]!
    // What is kept around the marker plus the named range is the original line, byte for byte.
    assert.equal(line.slice(0, line.indexOf(' … [lynkr:')) + minified.slice(from! - 1, to) + line.slice(line.indexOf('] … ') + 4), minified)
    const pipe = `sed -n '2p' | cut -c ${from}-${to}`
    assert.ok(cut.endsWith(tool === 'Bash' ? `to see the omitted characters of line 2, re-run the command with \`| ${pipe}\` appended]` : `to see the omitted characters of line 2, run the search in Bash piped through \`${pipe}\`]`), cut.slice(-300))
  }
  // Only long lines: the same hint.
  const alone = cutOutput(minified, { kind: 'generic', maxChars: 8000, tool: 'Bash', cutFileReads: false })
  assert.match(alone, /characters omitted from long lines; to see the omitted characters of line 1, re-run the command with `\| sed -n '1p' \| cut -c \d+-\d+` appended\]$/)
})
