import type { DeviceView } from '@edgefleet/protocol'
import { useRef } from 'preact/hooks'
import { RelativeTime } from '../../components/time-text.tsx'
import { useVirtualizer } from '../../components/use-virtualizer.ts'
import { formatMs } from '../../format/format-number.ts'
import { hrefFor } from '../../routing/route.ts'
import { driftOf } from '../../state/fleet-store.ts'

/** Row height in px: rows are one line each (long tags are cut with an ellipsis and shown in full on hover). */
const ROW_HEIGHT = 40
const COLUMNS = ['Device', 'Status', 'Model', 'Last seen', 'Latency p95', 'Drift', 'Tags'] as const

const DRIFT_TONE = { ok: 'tone-ok', drifting: 'tone-bad', unknown: 'tone-muted' } as const

function tagsText(tags: Record<string, string>): string {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')
}

function DeviceRow({ device: d, index, start, now }: { device: DeviceView; index: number; start: number; now: number }) {
  const drift = driftOf(d)
  const tags = tagsText(d.tags)
  return (
    <div role="row" aria-rowindex={index + 2} class="vrow" style={{ transform: `translateY(${start}px)` }}>
      <div role="cell"><a href={hrefFor({ page: 'device', id: d.id })}>{d.id}</a></div>
      <div role="cell"><span class={`badge ${d.online ? 'tone-ok' : 'tone-muted'}`}>{d.online ? 'online' : 'offline'}</span></div>
      <div role="cell">{d.model ? `${d.model.name}@${d.model.version}` : '—'}</div>
      <div role="cell"><RelativeTime ts={d.lastSeen} now={now} /></div>
      <div role="cell" class="num">{formatMs(d.health?.latencyP95Ms)}</div>
      <div role="cell"><span class={`badge ${DRIFT_TONE[drift]}`}>{drift}</span></div>
      <div role="cell" class="truncate" title={tags}>{tags || '—'}</div>
    </div>
  )
}

/**
 * The fleet as an ARIA table, virtualised: only the rows in view (plus a few) are in the DOM, so a fleet of
 * thousands scrolls smoothly; `aria-rowcount` and `aria-rowindex` tell assistive technology the full size.
 */
export function DeviceTable({ devices, now }: { devices: readonly DeviceView[]; now: number }) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: devices.length,
    getScrollElement: () => scrollRef.current,
    rowHeight: ROW_HEIGHT,
    getItemKey: (i) => devices[i]?.id ?? i,
  })
  return (
    <div class="table-scroll device-table" ref={scrollRef} tabIndex={0} role="region" aria-label="Device list, scrollable">
      <div role="table" aria-label="Devices" aria-rowcount={devices.length + 1} class="vtable">
        <div role="rowgroup" class="vtable-head">
          <div role="row" aria-rowindex={1} class="vrow">
            {COLUMNS.map((c) => <div role="columnheader" key={c}>{c}</div>)}
          </div>
        </div>
        <div role="rowgroup" class="vtable-body" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => {
            const device = devices[item.index]
            return device && <DeviceRow key={device.id} device={device} index={item.index} start={item.start} now={now} />
          })}
        </div>
      </div>
    </div>
  )
}
