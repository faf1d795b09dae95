import type { DeviceView } from '@edgefleet/protocol'
import { useRef } from 'preact/hooks'
import { useMediaQuery } from '../../components/use-media-query.ts'
import { RelativeTime } from '../../components/time-text.tsx'
import { useVirtualizer } from '../../components/use-virtualizer.ts'
import { formatMs } from '../../format/format-number.ts'
import { hrefFor } from '../../routing/route.ts'
import { driftOf } from '../../state/fleet-store.ts'

/**
 * At this width and below each row is a two-line card (device, status, drift; then model, latency, last
 * seen), so the key columns fit a phone without scrolling sideways; styles.css uses the same breakpoint.
 */
const CARD_QUERY = '(max-width: 640px)'
/** Row heights in px, one line per row (long tags are cut with an ellipsis and shown in full on hover) or a card. */
const ROW_HEIGHT = 40
const CARD_ROW_HEIGHT = 60
/** Header text and cell class of each column, in reading order; the classes place them on a card. */
const COLUMNS = [
  ['Device', 'c-device'], ['Status', 'c-status'], ['Model', 'c-model'], ['Drift', 'c-drift'],
  ['Latency p95', 'c-latency num'], ['Last seen', 'c-seen'], ['Tags', 'c-tags'],
] as const

const DRIFT_TONE = { ok: 'tone-ok', drifting: 'tone-bad', unknown: 'tone-muted' } as const

function tagsText(tags: Record<string, string>): string {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')
}

interface RowProps {
  device: DeviceView
  index: number
  start: number
  height: number
  now: number
}

function DeviceRow({ device: d, index, start, height, now }: RowProps) {
  const drift = driftOf(d)
  const tags = tagsText(d.tags)
  return (
    <div role="row" aria-rowindex={index + 2} class="vrow" style={{ transform: `translateY(${start}px)`, height: `${height}px` }}>
      <div role="cell" class="c-device"><a href={hrefFor({ page: 'device', id: d.id })}>{d.id}</a></div>
      <div role="cell" class="c-status"><span class={`badge ${d.online ? 'tone-ok' : 'tone-muted'}`}>{d.online ? 'online' : 'offline'}</span></div>
      <div role="cell" class="c-model">{d.model ? `${d.model.name}@${d.model.version}` : '—'}</div>
      <div role="cell" class="c-drift"><span class={`badge ${DRIFT_TONE[drift]}`}>{drift}</span></div>
      <div role="cell" class="c-latency num">{formatMs(d.health?.latencyP95Ms)}</div>
      <div role="cell" class="c-seen"><RelativeTime ts={d.lastSeen} now={now} /></div>
      <div role="cell" class="c-tags" title={tags}>{tags || '—'}</div>
    </div>
  )
}

/**
 * The fleet as an ARIA table, virtualised: only the rows in view (plus a few) are in the DOM, so a fleet of
 * thousands scrolls smoothly; `aria-rowcount` and `aria-rowindex` tell assistive technology the full size.
 */
export function DeviceTable({ devices, now }: { devices: readonly DeviceView[]; now: number }) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const rowHeight = useMediaQuery(CARD_QUERY) ? CARD_ROW_HEIGHT : ROW_HEIGHT
  const virtualizer = useVirtualizer({
    count: devices.length,
    getScrollElement: () => scrollRef.current,
    rowHeight,
    getItemKey: (i) => devices[i]?.id ?? i,
  })
  return (
    <div class="table-scroll device-table" ref={scrollRef} tabIndex={0} role="region" aria-label="Device list, scrollable">
      <div role="table" aria-label="Devices" aria-rowcount={devices.length + 1} class="vtable">
        <div role="rowgroup" class="vtable-head">
          <div role="row" aria-rowindex={1} class="vrow">
            {COLUMNS.map(([name, cls]) => <div role="columnheader" key={name} class={cls}>{name}</div>)}
          </div>
        </div>
        <div role="rowgroup" class="vtable-body" style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => {
            const device = devices[item.index]
            return device && <DeviceRow key={device.id} device={device} index={item.index} start={item.start} height={rowHeight} now={now} />
          })}
        </div>
      </div>
    </div>
  )
}
