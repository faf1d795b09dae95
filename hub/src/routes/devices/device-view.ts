import type { DeviceHealthView, DeviceView } from '@edgefleet/protocol'
import type { DeviceHealthReport } from '../../deployments/device-health.ts'
import type { Counters } from '../../ingest/device-counters.ts'
import type { DeviceRecord } from '../../registry/registry-store.ts'

/** What the REST API and the live stream show of a device: its record, message counters and latest health. */
export function deviceView(d: DeviceRecord, counters: Counters, health: DeviceHealthReport | undefined): DeviceView {
  return { ...d, counters, health: health ? healthView(health) : null }
}

/** A health report as the API shows it (the model is the device's own field). */
export function healthView(h: DeviceHealthReport): DeviceHealthView {
  return {
    at: h.at,
    online: h.online,
    ...(h.latencyMs !== undefined ? { latencyMs: h.latencyMs } : {}),
    ...(h.latencyP95Ms !== undefined ? { latencyP95Ms: h.latencyP95Ms } : {}),
    ...(h.inferenceRuns !== undefined ? { inferenceRuns: h.inferenceRuns } : {}),
    ...(h.inferenceErrors !== undefined ? { inferenceErrors: h.inferenceErrors } : {}),
    ...(h.drift !== undefined ? { drift: h.drift } : {}),
    ...(h.shadow !== undefined ? { shadow: h.shadow } : {}),
  }
}
