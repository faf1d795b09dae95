import type { Status } from '@edgefleet/protocol'
import { AGENT_VERSION } from '../version.ts'

/** What the agent adds to each status message about itself: its model, backend and counters. */
export type StatusDetails = Pick<Status, 'backend' | 'model' | 'shadow' | 'counters' | 'latencyMs' | 'drift'>

/** The retained `online` status, published on connect and every status interval. */
export function onlineStatus(o: {
  deviceId: string
  keepaliveS: number
  uptimeS: number
  queue: { depth: number; dropped: number }
  details: StatusDetails
}): Status {
  return {
    v: 1,
    deviceId: o.deviceId,
    state: 'online',
    ts: Date.now(),
    agentVersion: AGENT_VERSION,
    keepaliveS: o.keepaliveS,
    uptimeS: o.uptimeS,
    queue: o.queue,
    ...o.details,
  }
}

/**
 * The retained `offline` status: published on a clean shutdown (`shutdown`), and registered as the
 * last will (`lwt`), whose `ts` is therefore the time of the connection that carried it.
 */
export function offlineStatus(deviceId: string, reason: 'lwt' | 'shutdown'): Status {
  return { v: 1, deviceId, state: 'offline', ts: Date.now(), reason, agentVersion: AGENT_VERSION }
}
