/**
 * What the hub-ingest benchmark and its simulated-fleet processes (`fleet-publishers.ts`) say to each
 * other over the fork IPC channel. Secrets travel here, not on command lines (which `ps` shows).
 */

/** One simulated device: MQTT client id and user name = id; password = secret (none for raw aedes). */
export interface FleetDevice {
  id: string
  secret?: string
}

/** Publish `Predictions` as fast as acknowledgements allow: warm-up, then a measured window. */
export interface IngestJob {
  kind: 'ingest'
  url: string
  devices: FleetDevice[]
  /** predictions per message */
  items: number
  /** unacknowledged QoS 1 messages each device may have in flight */
  window: number
  warmupS: number
  durationS: number
}

/** Connect, publish one retained status, then stay idle until told to stop. */
export interface IdleJob {
  kind: 'idle'
  url: string
  devices: FleetDevice[]
  keepaliveS: number
  /** connection attempts in flight at once */
  concurrency: number
}

export type ParentMessage = IngestJob | IdleJob | { kind: 'stop' }

export type ChildMessage =
  /** listening for a job */
  | { kind: 'ready' }
  | { kind: 'connected'; devices: number; seconds: number }
  /** wall-clock ms; acknowledged messages so far; this process's CPU seconds so far */
  | { kind: 'window-start'; at: number; acked: number; cpuS: number }
  | { kind: 'window-end'; at: number; acked: number; cpuS: number }
  /** every in-flight message answered (or the drain timed out) */
  | { kind: 'ingest-done'; at: number; published: number; acked: number; failed: number; firstError?: string; payloadBytes: number }
  | { kind: 'idle-connected'; connected: number; failed: number; seconds: number; firstError?: string }
  | { kind: 'failed'; message: string }
