import type { AlertView, DeviceEventList } from '@edgefleet/protocol'

type StoredEvent = DeviceEventList['events'][number]

/** One line of a device's timeline. */
export interface TimelineEntry {
  key: string
  ts: number
  kind: 'deploy' | 'error' | 'command' | 'alert' | 'other'
  /** `ok`, `bad`, `warn` or `info`: shown as a word beside the colour */
  tone: 'ok' | 'bad' | 'warn' | 'info'
  title: string
  detail: string | null
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

function modelRef(v: unknown): string {
  if (typeof v !== 'object' || v === null) return 'a model'
  const { name, version } = v as Record<string, unknown>
  return `${String(name)}@${String(version)}`
}

function joinWords(...parts: (string | null)[]): string | null {
  const present = parts.filter((p): p is string => p !== null)
  return present.length > 0 ? present.join(' ') : null
}

function fromEvent(e: StoredEvent): TimelineEntry | null {
  const ev = e.event
  const key = `event-${e.seq}`
  switch (e.type) {
    case 'deploy': {
      const state = str(ev.state) ?? 'reported'
      // download progress ticks are not milestones; the deployment panel shows the current step
      if (state === 'progress') return null
      const role = ev.role === 'shadow' ? 'Shadow ' : ''
      const tone = state === 'failed' ? 'bad' : state === 'succeeded' ? 'ok' : 'info'
      return { key, ts: e.ts, kind: 'deploy', tone, title: `${role}${modelRef(ev.model)}: ${str(ev.step) ?? 'step'} ${state}`, detail: joinWords(str(ev.code), str(ev.message)) }
    }
    case 'error': {
      const count = typeof ev.count === 'number' && ev.count > 1 ? `(×${ev.count})` : null
      return { key, ts: e.ts, kind: 'error', tone: 'bad', title: joinWords('Error', str(ev.code))!, detail: joinWords(str(ev.message), count) }
    }
    case 'command-result': {
      const ok = ev.ok === true
      return { key, ts: e.ts, kind: 'command', tone: ok ? 'ok' : 'bad', title: joinWords('Command', str(ev.commandId), ok ? 'succeeded' : 'failed')!, detail: joinWords(str(ev.code), str(ev.message)) }
    }
    default:
      return { key, ts: e.ts, kind: 'other', tone: 'info', title: e.type, detail: null }
  }
}

function fromAlert(view: AlertView): TimelineEntry {
  const a = view.alert
  const raised = a.state === 'raised'
  return {
    key: `alert-${a.id}`,
    ts: a.ts,
    kind: 'alert',
    tone: raised ? (a.severity === 'critical' ? 'bad' : 'warn') : 'ok',
    title: `Alert ${a.state}: ${a.kind} on ${a.model.name}@${a.model.version}`,
    detail: a.message,
  }
}

/** The device's stored events and its alerts in one list, newest first (ties: alerts first). */
export function deviceTimeline(events: readonly StoredEvent[], alerts: readonly AlertView[]): TimelineEntry[] {
  const entries = [...alerts.map(fromAlert), ...events.map(fromEvent).filter((e): e is TimelineEntry => e !== null)]
  return entries.sort((a, b) => b.ts - a.ts || (a.kind === 'alert' ? -1 : 0) - (b.kind === 'alert' ? -1 : 0))
}
