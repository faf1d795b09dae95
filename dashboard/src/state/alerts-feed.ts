import type { AlertList, AlertView } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/** A page of alerts, newest first, kept current by `alert` events. */
export interface AlertFeed {
  readonly alerts: readonly AlertView[]
  /** the `before` cursor of the next (older) page; null when none is left */
  readonly next: string | null
}

/** Which alerts a feed holds. */
export interface AlertFeedFilter {
  /** only alerts nobody has acknowledged */
  unacknowledged?: boolean
  /** only this device's alerts */
  deviceId?: string
}

export function feedFromList(list: AlertList): AlertFeed {
  return { alerts: list.alerts, next: list.next }
}

function admits(view: AlertView, filter: AlertFeedFilter): boolean {
  if (filter.unacknowledged && view.ack !== null) return false
  if (filter.deviceId !== undefined && view.alert.deviceId !== filter.deviceId) return false
  return true
}

/**
 * The feed with `view` in it: replaced in place where its id already is (an acknowledgement), inserted
 * before the first alert that is not newer otherwise (a new alert lands on top), or dropped when the
 * filter no longer admits it (acknowledged while showing unacknowledged ones).
 */
export function upsertAlert(feed: AlertFeed, view: AlertView, filter: AlertFeedFilter = {}): AlertFeed {
  const at = feed.alerts.findIndex((a) => a.alert.id === view.alert.id)
  if (!admits(view, filter)) return at < 0 ? feed : { ...feed, alerts: feed.alerts.filter((_, i) => i !== at) }
  if (at >= 0) return { ...feed, alerts: feed.alerts.map((a, i) => (i === at ? view : a)) }
  const before = feed.alerts.findIndex((a) => a.alert.ts <= view.alert.ts)
  const alerts = [...feed.alerts]
  alerts.splice(before < 0 ? alerts.length : before, 0, view)
  return { ...feed, alerts }
}

/** Applies every `alert` event of a batch. */
export function applyAlertEvents(feed: AlertFeed, messages: readonly LiveMessage[], filter: AlertFeedFilter = {}): AlertFeed {
  let out = feed
  for (const m of messages) if (m.type === 'alert') out = upsertAlert(out, m.body.alert, filter)
  return out
}

/** The feed with an older page appended (duplicates dropped). */
export function appendPage(feed: AlertFeed, page: AlertList): AlertFeed {
  const seen = new Set(feed.alerts.map((a) => a.alert.id))
  return { alerts: [...feed.alerts, ...page.alerts.filter((a) => !seen.has(a.alert.id))], next: page.next }
}

/** `Alerts`, or `Alerts (3)` with unacknowledged ones (`Alerts (500+)` when more exist than were loaded). */
export function alertsNavLabel(unacknowledged: AlertFeed | null): string {
  if (!unacknowledged || unacknowledged.alerts.length === 0) return 'Alerts'
  return `Alerts (${unacknowledged.alerts.length}${unacknowledged.next ? '+' : ''})`
}
