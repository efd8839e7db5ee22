/** Scrapes /metrics and parses it with a real Prometheus text-format parser (not our own code). */
import { request } from 'undici'
// The package ships no types; its shape is documented in its README.
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

export interface MetricFamily {
  name: string
  help: string
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
  metrics: Array<{ labels?: Record<string, string>, value?: string, buckets?: Record<string, string>, quantiles?: Record<string, string>, count?: string, sum?: string }>
}

export async function scrape (baseUrl: string): Promise<{ families: Map<string, MetricFamily>, contentType: string, text: string }> {
  const response = await request(`${baseUrl}/metrics`)
  const text = await response.body.text()
  if (response.statusCode !== 200) throw new Error(`GET /metrics answered ${response.statusCode}: ${text}`)
  const parsed = (parsePrometheusTextFormat as unknown as (text: string) => MetricFamily[])(text)
  return { families: new Map(parsed.map((family) => [family.name, family])), contentType: String(response.headers['content-type']), text }
}

/**
 * The value of the sample whose labels include `labels` (undefined when there is none). Counters and gauges
 * only: this parser folds the series of a labelled histogram or summary into one entry without labels.
 */
export function sampleValue (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name)
  const metric = family?.metrics.find((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value))
  if (metric === undefined) return undefined
  return Number(metric.value ?? metric.count)
}
