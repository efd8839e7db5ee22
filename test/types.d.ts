// Ambient shapes for the two test-only packages that ship no types (as their READMEs document them).
declare module 'autocannon' {
  interface AutocannonResult {
    requests: { average: number, total: number }
    latency: { p50: number, p99: number }
    errors: number
    non2xx: number
  }
  function autocannon (options: Record<string, unknown>): Promise<AutocannonResult>
  export default autocannon
}

declare module 'parse-prometheus-text-format' {
  function parse (text: string): unknown[]
  export default parse
}
