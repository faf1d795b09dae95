import type { LiveEventBodies, LiveEventType as ProtocolLiveEventType } from '@edgefleet/protocol'

/**
 * The live stream's event types: a copy of the protocol's `LIVE_EVENT_TYPES` (importing it would pull the
 * protocol's runtime, validators and all, into the bundle). The checks below fail to compile when the two differ.
 */
export const LIVE_EVENT_TYPES = ['ready', 'device', 'alert', 'rollout', 'deploy', 'model', 'job'] as const
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number]
type Missing = Exclude<ProtocolLiveEventType, LiveEventType>
type Extra = Exclude<LiveEventType, ProtocolLiveEventType>
/** Compiles only while this list and the protocol's name the same types. */
export const LIVE_EVENT_TYPES_MATCH: [Missing | Extra] extends [never] ? true : false = true

/** One decoded live event. */
export type LiveMessage = { [K in LiveEventType]: { type: K; body: LiveEventBodies[K] } }[LiveEventType]

/** The key each body must carry, checked before the body is handed on (a cheap guard, not a schema). */
const BODY_KEY: Record<LiveEventType, string> = {
  ready: 'hubVersion', device: 'device', alert: 'alert', rollout: 'rollout', deploy: 'deployment', model: 'version', job: 'job',
}

function isLiveEventType(value: string | undefined): value is LiveEventType {
  return value !== undefined && (LIVE_EVENT_TYPES as readonly string[]).includes(value)
}

/**
 * A live message from one SSE frame (`event:` and `data:`), or null for a type this dashboard does not
 * know (a newer hub) or data that is not the expected JSON object: such frames are skipped, not fatal.
 */
export function decodeLiveEvent(event: string | undefined, data: string): LiveMessage | null {
  if (!isLiveEventType(event)) return null
  let body: unknown
  try {
    body = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof body !== 'object' || body === null || !(BODY_KEY[event] in body)) return null
  return { type: event, body } as LiveMessage
}
