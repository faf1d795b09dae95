/** The fleet simulator's table for people (main.ts prints JSON with --json instead). */
import { LatencyHistogram, type HistogramData } from './histogram.ts'
import type { TargetFigures } from './run-target.ts'

export interface RunSetup {
  devices: number
  rate: number
  items: number
  invalidRatio: number
  seconds: number
  warmupS: number
  processes: number
  payloadBytes: number
  loadAtStart: number[]
  node: string
}

/** The two targets of issue 10 the hub is judged against. */
export const TARGETS = { devices: 10_000, rate: 1, idleKBPerDevice: 20 }

const int = (v: number): string => Math.round(v).toLocaleString('en-US')
const ms = (h: HistogramData | undefined): string => {
  if (!h || h.count === 0) return '-'
  const x = LatencyHistogram.from([h])
  const f = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(0))
  return `${f(x.percentile(0.5))} / ${f(x.percentile(0.99))} / ${f(x.maxMs)}`
}
const load = (l: number[]): string => l.map((v) => v.toFixed(1)).join(' ')

/** KB of broker RSS per idle connected device (after full GCs for node brokers). */
export const idleKBPerDevice = (f: TargetFigures): number => (f.memory.idle.rssAfterGcKB - f.memory.before.rssAfterGcKB) / Math.max(1, f.connected)

/**
 * Whether a target carried the offered stream: every device connected, ≥ 97 % of the valid offered
 * rate ingested in the window (the window's edges and the simulator's own lag blur a few %), PUBACK
 * p99 under a second (no backlog building up), nothing dropped, no connection lost.
 */
export function sustained(f: TargetFigures, s: RunSetup): boolean {
  const offered = f.connected * s.rate * (1 - s.invalidRatio)
  const p99 = LatencyHistogram.from([f.ackLatency]).percentile(0.99)
  return f.connectFailed === 0 && f.ingested / f.windowS >= 0.97 * offered && p99 < 1000 && f.dropped === 0 && f.disconnected === 0
}

export function renderTable(s: RunSetup, results: TargetFigures[]): string {
  const out: string[] = []
  const line = (t = ''): number => out.push(t)
  line(`fleet-sim: ${int(s.devices)} devices × ${s.rate} msg/s (QoS 1, ${s.items} prediction${s.items > 1 ? 's' : ''}/message, ${s.payloadBytes} B), invalid ratio ${s.invalidRatio}; ` +
    `warm-up ${s.warmupS} s, measured ${s.seconds} s; ${s.processes} simulator processes on the same machine; node ${s.node}`)
  line(`load average at start ${load(s.loadAtStart)}${results.map((r) => `; before ${r.target} ${load(r.loadAtStart)}`).join('')}`)
  line()
  const header = ['target', 'devices', 'idle KB/dev', 'broker CPU', 'offered/s', 'ingested/s', 'PUBACK ms p50/p99/max', 'delivery ms p50/p99/max', 'dropped', 'dup', 'invalid sent/counted']
  const rows = results.map((f) => [
    f.target,
    int(f.connected) + (f.connectFailed ? ` (${f.connectFailed} failed)` : ''),
    idleKBPerDevice(f).toFixed(1),
    `${((100 * f.brokerCpuS) / f.windowS).toFixed(0)} %`,
    int(f.connected * s.rate),
    int(f.ingested / f.windowS),
    ms(f.ackLatency),
    ms(f.deliveryLatency),
    int(f.dropped),
    int(f.duplicates),
    `${int(f.invalidSent)}/${int(f.invalidCounted)}`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')
  line(fmt(header))
  line(widths.map((w) => '-'.repeat(w)).join('-|-'))
  for (const r of rows) line(fmt(r))
  line()
  for (const f of results) {
    const mb = (kb: number): string => (kb / 1024).toFixed(0)
    line(`${f.target}: RSS MB before → idle ${mb(f.memory.before.rssAfterGcKB)} → ${mb(f.memory.idle.rssAfterGcKB)}` +
      `${!Number.isFinite(f.memory.idle.heapUsedKB) ? '' : ` (JS heap ${mb(f.memory.before.heapUsedKB)} → ${mb(f.memory.idle.heapUsedKB)})`}; connect ${f.connectS.toFixed(1)} s; ` +
      `simulator CPU ${((100 * f.simCpuS) / f.windowS).toFixed(0)} %${f.subscriberCpuS !== undefined ? `, subscriber CPU ${((100 * f.subscriberCpuS) / f.windowS).toFixed(0)} %` : ''}; ` +
      `schedule lag p50/p99/max ${ms(f.lag)} ms`)
    line(`  whole run: published ${int(f.published)} valid, acknowledged ${int(f.acked)}, ${f.target.startsWith('hub') ? 'stored (REST API)' : 'delivered once'} ${int(f.arrived)}; ` +
      `acknowledged but not ${f.target.startsWith('hub') ? 'stored' : 'delivered'} ${int(f.ackedNotArrived)}; connections lost ${f.disconnected}${f.firstError ? ` (first: ${f.firstError})` : ''}`)
  }
  const hub = results.find((r) => r.target === 'hub')
  if (hub) {
    line()
    const atScale = s.devices >= TARGETS.devices && s.rate >= TARGETS.rate
    line(`target ${int(TARGETS.devices)} devices × ${TARGETS.rate} msg/s: ${atScale ? (sustained(hub, s) ? 'met' : 'MISSED') : `not tried at this size (${int(s.devices)} × ${s.rate}); the hub ${sustained(hub, s) ? 'sustained' : 'did NOT sustain'} this load`}`)
    const kb = idleKBPerDevice(hub)
    line(`target ≤ ${TARGETS.idleKBPerDevice} KB hub memory per idle device: ${kb.toFixed(1)} KB — ${kb <= TARGETS.idleKBPerDevice ? 'met' : 'MISSED'}`)
  }
  return out.join('\n')
}
