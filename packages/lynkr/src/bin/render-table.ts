/** A plain terminal table: a header, a rule, and columns padded to their widest cell. */
export function renderTable (header: string[], rows: string[][], options: { rightAligned: number }): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: string[]): string => cells
    .map((cell, column) => column >= options.rightAligned ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))
    .join('  ').trimEnd()
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}
