import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core'
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks'

export interface VirtualListOptions {
  count: number
  getScrollElement: () => HTMLElement | null
  /** fixed row height in px; when it changes (a layout breakpoint), every row is placed again */
  rowHeight: number
  /** rows rendered beyond each edge of the view (default 20: cheap rows, no blank flashes on fast scrolls) */
  overscan?: number
  getItemKey?: (index: number) => string | number
}

/**
 * `@tanstack/virtual-core` for Preact (as its React adapter does it): one Virtualizer per component,
 * options refreshed on every render, and a re-render whenever the visible range or scroll position changes.
 */
export function useVirtualizer(o: VirtualListOptions): Virtualizer<HTMLElement, HTMLElement> {
  const [, rerender] = useReducer((n: number) => n + 1, 0)
  const options = {
    count: o.count,
    getScrollElement: o.getScrollElement,
    estimateSize: () => o.rowHeight,
    overscan: o.overscan ?? 20,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => rerender(0),
    ...(o.getItemKey ? { getItemKey: o.getItemKey } : {}),
  }
  const [virtualizer] = useState(() => new Virtualizer<HTMLElement, HTMLElement>(options))
  virtualizer.setOptions(options)
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer])
  useLayoutEffect(() => virtualizer._willUpdate())
  // the row positions are cached from the old estimate: drop them so the rows are placed at the new height
  const measuredHeight = useRef(o.rowHeight)
  useLayoutEffect(() => {
    if (measuredHeight.current === o.rowHeight) return
    measuredHeight.current = o.rowHeight
    virtualizer.measure()
  }, [virtualizer, o.rowHeight])
  return virtualizer
}
