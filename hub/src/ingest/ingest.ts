import { decodeChannel, ProtocolError, type ChannelPayloads, type UplinkChannel } from '@edgefleet/protocol'
import { DeviceCounters } from './device-counters.ts'
import { handleDrift } from './handlers/handle-drift.ts'
import { handleEvents } from './handlers/handle-events.ts'
import { handleLabels } from './handlers/handle-labels.ts'
import { handlePredictions } from './handlers/handle-pred.ts'
import { handleSamples } from './handlers/handle-samples.ts'
import { handleStatus } from './handlers/handle-status.ts'
import type { Handler, IngestContext } from './handlers/handler.ts'

/** The handler of each uplink channel, dispatched from one place. */
const HANDLERS: { [C in UplinkChannel]: Handler<C> } = {
  status: handleStatus,
  pred: handlePredictions,
  events: handleEvents,
  drift: handleDrift,
  samples: handleSamples,
  labels: handleLabels,
}

export type IngestResult =
  | { outcome: 'stored'; predictions: number }
  | { outcome: 'duplicate' }
  | { outcome: 'invalid'; code: string; message: string }

export interface IngestLogger {
  warn(obj: object, msg: string): void
}

/** Called after every message with its outcome and how long handling (validation + store) took. */
export type IngestObserver = (channel: UplinkChannel, result: IngestResult, seconds: number) => void

/**
 * Device message ingest: validate against the protocol schema before anything else touches the
 * payload, check it speaks for the device whose topic it came on, then hand it to the channel's
 * handler. Invalid messages are counted per device and logged (rate-limited), never thrown.
 * Store failures are thrown: the broker then withholds the acknowledgement and the device resends.
 */
export class Ingest {
  readonly counters = new DeviceCounters()
  private readonly loggedInvalid = new Map<string, number>()

  constructor(
    private readonly ctx: IngestContext,
    private readonly logger?: IngestLogger,
    private readonly observe?: IngestObserver,
  ) {}

  async handle(deviceId: string, channel: UplinkChannel, payload: Uint8Array | string): Promise<IngestResult> {
    const t0 = performance.now()
    const result = await this.process(deviceId, channel, payload)
    this.observe?.(channel, result, (performance.now() - t0) / 1000)
    return result
  }

  private async process(deviceId: string, channel: UplinkChannel, payload: Uint8Array | string): Promise<IngestResult> {
    let message: ChannelPayloads[UplinkChannel]
    try {
      message = decodeChannel(channel, payload)
      if (message.deviceId !== deviceId) {
        throw new ProtocolError('PROTOCOL_PAYLOAD_INVALID', `payload names device ${message.deviceId} but arrived on ${deviceId}'s topic`)
      }
    } catch (err) {
      const code = err instanceof ProtocolError ? err.code : 'PROTOCOL_PAYLOAD_INVALID'
      this.counters.invalid(deviceId)
      this.logInvalid(deviceId, channel, code, (err as Error).message)
      return { outcome: 'invalid', code, message: (err as Error).message }
    }
    const seq = 'seq' in message ? message.seq : undefined
    const fresh = !this.counters.seen(deviceId, seq)
    const handler = HANDLERS[channel] as Handler<UplinkChannel>
    // a store failure throws here, before the seq is remembered: the resend then counts as new
    const { predictions = 0 } = await handler(this.ctx, message, fresh)
    this.counters.handled(deviceId, seq, !fresh, predictions)
    return fresh ? { outcome: 'stored', predictions } : { outcome: 'duplicate' }
  }

  /** Logs the first invalid messages of each device, then one in a thousand. */
  private logInvalid(deviceId: string, channel: string, code: string, message: string): void {
    const n = (this.loggedInvalid.get(deviceId) ?? 0) + 1
    this.loggedInvalid.set(deviceId, n)
    if (n <= 10 || n % 1000 === 0) this.logger?.warn({ deviceId, channel, code, count: n }, `invalid message: ${message}`)
  }
}
