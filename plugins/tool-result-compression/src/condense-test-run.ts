/**
 * TAP as `node --test` (and tap, tape) prints it gives every passing test five lines: `# Subtest: name`,
 * `ok N - name` and a YAML block holding only its duration. Of those the model needs the `ok` line: the
 * subtest header repeats the name, the timing says nothing about correctness. Failures (`not ok`), suites'
 * headers, skips, todos and any YAML with more than timing stay exactly as printed. Pure: the same output
 * always condenses to the same bytes.
 */
const OK_LINE = /^(\s*)ok \d+ - (.*)$/
const SUBTEST = /^(\s*)# Subtest: (.*)$/
/** What a passing test's YAML block holds when it carries nothing: its duration, and node's `type` of a suite or test. */
const TIMING_ONLY = /^\s*(?:duration_ms: [\d.e+-]+|type: '(?:suite|test)')\s*$/

export function condensePassingTap (text: string): string {
  if (!text.includes('\nok ') && !/\n\s+ok \d/.test(text)) return text
  const lines = text.split('\n')
  const out: string[] = []
  let condensed = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const subtest = SUBTEST.exec(line)
    if (subtest !== null) {
      // A leaf test's header, when its passing result follows at once under the same name.
      const next = OK_LINE.exec(lines[i + 1] ?? '')
      if (next !== null && next[1] === subtest[1] && next[2] === subtest[2]) continue
      out.push(line)
      continue
    }
    out.push(line)
    const ok = OK_LINE.exec(line)
    if (ok === null || /#\s*(?:SKIP|TODO)\b/i.test(line)) continue
    // Its YAML block: `---`, keys indented two more, `...`.
    const yamlIndent = `${ok[1]}  `
    if (lines[i + 1] !== `${yamlIndent}---`) continue
    let end = i + 2
    while (end < lines.length && lines[end] !== `${yamlIndent}...` && TIMING_ONLY.test(lines[end]!)) end++
    if (lines[end] !== `${yamlIndent}...`) continue
    i = end
    condensed++
  }
  if (condensed === 0) return text
  out.push(`[lynkr: the timing blocks (duration only) of ${condensed.toLocaleString('en-US')} passing tests omitted; run the tests again to see them]`)
  return out.join('\n')
}
