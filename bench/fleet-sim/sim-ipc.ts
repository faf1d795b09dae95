/**
 * What the fleet simulator's processes say to each other over the fork IPC channel. Device secrets
 * travel here, not on command lines (which `ps` shows).
 */
import type { HistogramData } from './histogram.ts'

/** One simulated device: client id and user name = id; password = secret (none for the baselines). */
export interface SimDevice {
  id: string
  secret?: string
  /** 0 … total-1 over the whole fleet: sets its start offset */
  index: number
}

/** Parent → device process. */
export type SimCommand =
  /** connect every device (last will), publish its retained status at QoS 1, then stay idle */
  | { kind: 'connect'; host: string; port: number; devices: SimDevice[]; total: number; keepaliveS: number; concurrency: number; items: number }
  /** from wall-clock `startAt` (ms), each device publishes `rate` messages/s at its offset */
  | { kind: 'publish'; startAt: number; rate: number; invalidRatio: number }
  /** latency and counts from now on are the measured window's */
  | { kind: 'window-start' }
  /** stop publishing, wait up to `drainS` for every PUBACK, then report */
  | { kind: 'finish'; drainS: number }
  | { kind: 'stop' }

/** Device process → parent. */
export type SimReport =
  | { kind: 'ready' }
  | { kind: 'connected'; connected: number; failed: number; seconds: number; firstError?: string }
  | {
      kind: 'finished'
      /** per connected device: id, valid `Predictions` published (= its last seq), and of those acknowledged */
      devices: [id: string, published: number, acked: number][]
      /** malformed payloads published (and how many the broker acknowledged) */
      invalid: number
      invalidAcked: number
      /** publish → PUBACK of valid messages published in the window, ms */
      ackLatency: HistogramData
      /** publishes that fell due in the window, and how late the process was on them (scheduling lag, ms) */
      lag: HistogramData
      /** connections lost while publishing */
      disconnected: number
      firstError?: string
    }
  | { kind: 'failed'; message: string }

/** Parent → subscriber process (baselines). */
export type SubscriberCommand =
  | { kind: 'subscribe'; host: string; port: number; filter: string }
  | { kind: 'window-start' }
  | { kind: 'count' }
  | { kind: 'report' }
  | { kind: 'stop' }

/** What the subscriber received of one device. */
export interface DeviceDelivery {
  count: number
  /** highest seq received */
  maxSeq: number
  /** seqs received again or out of order */
  repeated: number
}

/** Subscriber process → parent. */
export type SubscriberReport =
  | { kind: 'ready' }
  | { kind: 'subscribed' }
  | { kind: 'count'; delivered: number; invalid: number }
  | { kind: 'report'; delivered: number; invalid: number; devices: Record<string, DeviceDelivery>; latency: HistogramData }
  | { kind: 'failed'; message: string }
