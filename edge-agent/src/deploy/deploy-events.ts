import { ProtocolError, type DeployEvent } from '@edgefleet/protocol'
import { AgentError, type Logger } from '../errors.ts'
import type { Uplink } from '../uplink/outbox.ts'

/** ShortText's bound on the wire. */
const MAX_MESSAGE = 1024

/**
 * Sends deploy events to the hub through the uplink's durable outbox (the `events` channel), logs
 * each, and hands it to `onEvent` (a library user watching activations). Never throws: an event
 * the outbox refuses is logged.
 */
export function deployEventSender(o: { uplink?: Uplink; logger: Logger; onEvent?: (e: DeployEvent) => void }): (e: DeployEvent) => void {
  return (event) => {
    if (event.message && event.message.length > MAX_MESSAGE) event = { ...event, message: `${event.message.slice(0, MAX_MESSAGE - 1)}…` }
    const where = { step: event.step, state: event.state, model: `${event.model.name}@${event.model.version}`, generation: event.generation, role: event.role, ...(event.code ? { code: event.code } : {}) }
    if (event.state === 'failed') o.logger.warn(where, `model activation failed: ${event.message ?? ''}`)
    else if (event.state === 'progress') o.logger.debug({ ...where, progress: event.progress }, 'model activation')
    else o.logger.info(where, `model activation${event.message ? `: ${event.message}` : ''}`)
    o.onEvent?.(event)
    const uplink = o.uplink
    if (!uplink) return
    try {
      uplink.enqueue('events', (seq) => ({ v: 1, deviceId: uplink.deviceId, seq, ts: Date.now(), event }))
    } catch (err) {
      if (!(err instanceof ProtocolError || err instanceof AgentError)) throw err
      o.logger.warn({ code: err.code, step: event.step }, `deploy event not sent to the hub: ${err.message}`)
    }
  }
}
