import type { DeviceList, DeviceView } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/** Every device the hub knows, by id, kept current by `device` events. */
export interface Fleet {
  readonly devices: ReadonlyMap<string, DeviceView>
}

export function fleetFromList(list: DeviceList): Fleet {
  return { devices: new Map(list.devices.map((d) => [d.id, d])) }
}

/** The fleet with each `device` event's view put in place (a new device is added); other events are ignored. */
export function applyDeviceEvents(fleet: Fleet, messages: readonly LiveMessage[]): Fleet {
  let devices: Map<string, DeviceView> | null = null
  for (const m of messages) {
    if (m.type !== 'device') continue
    devices ??= new Map(fleet.devices)
    devices.set(m.body.device.id, m.body.device)
  }
  return devices ? { devices } : fleet
}

export type ShowFilter = 'all' | 'online' | 'offline'

/** What the Fleet page's filters mean: tag terms (all must match) and online state. */
export interface FleetFilter {
  /** `k=v` terms (exact), or bare words matched against tag keys and values */
  tagText: string
  show: ShowFilter
}

interface TagTerm {
  key: string
  value: string | null
}

/** Terms of the tag filter: separated by commas or spaces; `k=v` matches exactly, a bare word any key or value containing it. */
export function parseTagFilter(text: string): TagTerm[] {
  return text
    .split(/[\s,]+/)
    .filter((t) => t !== '')
    .map((t) => {
      const eq = t.indexOf('=')
      return eq < 0 ? { key: t.toLowerCase(), value: null } : { key: t.slice(0, eq), value: t.slice(eq + 1) }
    })
}

function matchesTerm(tags: Record<string, string>, term: TagTerm): boolean {
  if (term.value !== null) return tags[term.key] === term.value
  return Object.entries(tags).some(([k, v]) => k.toLowerCase().includes(term.key) || v.toLowerCase().includes(term.key))
}

const byId = new Intl.Collator(undefined, { numeric: true })

/** The devices the filter lets through, by id in natural order (`pi-2` before `pi-10`). */
export function selectDevices(fleet: Fleet, filter: FleetFilter): DeviceView[] {
  const terms = parseTagFilter(filter.tagText)
  const out: DeviceView[] = []
  for (const d of fleet.devices.values()) {
    if (filter.show === 'online' && !d.online) continue
    if (filter.show === 'offline' && d.online) continue
    if (!terms.every((t) => matchesTerm(d.tags, t))) continue
    out.push(d)
  }
  return out.sort((a, b) => byId.compare(a.id, b.id))
}

export type DriftLabel = 'ok' | 'drifting' | 'unknown'

/** The device's own drift judgement from its latest status; `unknown` before one arrived. */
export function driftOf(device: DeviceView): DriftLabel {
  return device.health?.drift?.state ?? 'unknown'
}

/** `3 of 5 online · 1 drifting`, over the devices given. */
export function fleetSummary(devices: Iterable<DeviceView>): string {
  let total = 0
  let online = 0
  let drifting = 0
  for (const d of devices) {
    total += 1
    if (d.online) online += 1
    if (driftOf(d) === 'drifting') drifting += 1
  }
  return `${online} of ${total} online · ${drifting} drifting`
}
