import { decodeChannel, parseDeviceTopic, type Command, type Desired } from '@edgefleet/protocol'

/** A hub-to-device message that passed its schema, or why it did not. */
export type DownlinkMessage = { channel: 'desired'; value: Desired } | { channel: 'cmd'; value: Command } | { error: string }

/**
 * Validates a message received on the device's own `desired` or `cmd` topic with the protocol's
 * schema. `undefined` for an empty payload on one of them: a retained message being cleared, not an error.
 */
export function decodeDownlink(deviceId: string, topic: string, payload: Uint8Array): DownlinkMessage | undefined {
  const parsed = parseDeviceTopic(topic)
  if (parsed?.deviceId !== deviceId || (parsed.channel !== 'desired' && parsed.channel !== 'cmd')) return { error: `unexpected topic ${topic}` }
  if (payload.length === 0) return undefined
  try {
    return parsed.channel === 'desired' ? { channel: 'desired', value: decodeChannel('desired', payload) } : { channel: 'cmd', value: decodeChannel('cmd', payload) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}
