import type { Static, TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { ProtocolError, type ValidationIssue } from './errors.ts'
import { Alert, Command, Desired } from './schemas/hub-messages.ts'
import { DeviceEvent, DriftSummary, Labels, Predictions, Samples, Status } from './schemas/device-messages.ts'
import { Manifest } from './schemas/manifest.ts'
import { ReadingPayload } from './schemas/reading.ts'
import { AgentPageConfig } from './schemas/rest-agent-page.ts'
import { ProvisionRequest, ProvisionResponse } from './schemas/provisioning.ts'
import type { DeviceChannel } from './topics.ts'
import { MAX_MANIFEST_BYTES, MAX_PAYLOAD_BYTES } from './version.ts'

/** A compiled validator for one schema, built once at module load. */
export interface Validator<T> {
  /** Returns the value typed, or throws a ProtocolError listing every violation. */
  parse(value: unknown): T
  check(value: unknown): value is T
  issues(value: unknown): ValidationIssue[]
}

const MAX_ISSUES = 20

/** Compiles `schema` once. Use at module scope, never per message. */
export function compile<S extends TSchema>(schema: S, what: string): Validator<Static<S>> {
  const compiled = Compile(schema)
  const issues = (value: unknown): ValidationIssue[] =>
    [...compiled.Errors(value)].slice(0, MAX_ISSUES).map((e) => ({ path: e.instancePath, message: e.message }))
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    issues,
    parse(value: unknown): Static<S> {
      if (compiled.Check(value)) return value
      const found = issues(value)
      const summary = found.slice(0, 3).map((i) => `${i.path || '/'} ${i.message}`).join('; ')
      throw new ProtocolError('PROTOCOL_PAYLOAD_INVALID', `invalid ${what}: ${summary}`, found)
    },
  }
}

/**
 * Compiles lazily, once: the validator is built on first use and kept. CLIs that never touch a
 * schema do not pay for compiling it (the manifest schema alone takes a noticeable time).
 */
function lazy<S extends TSchema>(schema: S, what: string): Validator<Static<S>> {
  let compiled: Validator<Static<S>> | undefined
  const get = (): Validator<Static<S>> => (compiled ??= compile(schema, what))
  return {
    check: (value: unknown): value is Static<S> => get().check(value),
    issues: (value: unknown) => get().issues(value),
    parse: (value: unknown) => get().parse(value),
  }
}

export const validators = {
  status: lazy(Status, 'status'),
  pred: lazy(Predictions, 'predictions'),
  drift: lazy(DriftSummary, 'drift summary'),
  samples: lazy(Samples, 'samples'),
  labels: lazy(Labels, 'labels'),
  events: lazy(DeviceEvent, 'event'),
  desired: lazy(Desired, 'desired state'),
  cmd: lazy(Command, 'command'),
  alert: lazy(Alert, 'alert'),
  reading: lazy(ReadingPayload, 'reading'),
  manifest: lazy(Manifest, 'manifest'),
  agentPageConfig: lazy(AgentPageConfig, "the hub's /agent/config.json"),
  provisionRequest: lazy(ProvisionRequest, 'provision request'),
  provisionResponse: lazy(ProvisionResponse, 'provision response'),
} as const

/** The payload type carried on each device channel. */
export interface ChannelPayloads {
  status: Static<typeof Status>
  pred: Static<typeof Predictions>
  drift: Static<typeof DriftSummary>
  samples: Static<typeof Samples>
  labels: Static<typeof Labels>
  events: Static<typeof DeviceEvent>
  desired: Static<typeof Desired>
  cmd: Static<typeof Command>
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * Bytes → JSON value, refusing what no edgefleet payload can be: over `maxBytes`, invalid UTF-8,
 * or not JSON. Works in Node and browsers (no Buffer).
 */
export function decodeJson(payload: Uint8Array | string, maxBytes = MAX_PAYLOAD_BYTES): unknown {
  const size = typeof payload === 'string' ? encoder.encode(payload).byteLength : payload.byteLength
  if (size > maxBytes) {
    throw new ProtocolError('PROTOCOL_PAYLOAD_TOO_LARGE', `payload of ${size} bytes exceeds the limit of ${maxBytes} bytes`)
  }
  let text: string
  try {
    text = typeof payload === 'string' ? payload : utf8.decode(payload)
  } catch (cause) {
    throw new ProtocolError('PROTOCOL_PAYLOAD_NOT_JSON', 'payload is not valid UTF-8', [], { cause })
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new ProtocolError('PROTOCOL_PAYLOAD_NOT_JSON', `payload is not JSON: ${(cause as Error).message}`, [], { cause })
  }
}

/** Decodes and validates the payload of one device channel; throws a ProtocolError when it is not valid. */
export function decodeChannel<C extends DeviceChannel>(channel: C, payload: Uint8Array | string): ChannelPayloads[C] {
  const validator = validators[channel] as Validator<ChannelPayloads[C]>
  return validator.parse(decodeJson(payload))
}

/** Validates and encodes a payload for one device channel (so nothing invalid is ever sent). */
export function encodeChannel<C extends DeviceChannel>(channel: C, message: ChannelPayloads[C]): string {
  const validator = validators[channel] as Validator<ChannelPayloads[C]>
  const text = JSON.stringify(validator.parse(message))
  if (text.length > MAX_PAYLOAD_BYTES) {
    // string length is a lower bound on the UTF-8 size, so this check is cheap and exact enough to refuse early
    throw new ProtocolError('PROTOCOL_PAYLOAD_TOO_LARGE', `${channel} message of ${text.length} characters exceeds ${MAX_PAYLOAD_BYTES} bytes: send smaller batches`)
  }
  return text
}

/** Parses and validates a manifest.json's bytes. */
export function decodeManifest(payload: Uint8Array | string): Static<typeof Manifest> {
  try {
    return validators.manifest.parse(decodeJson(payload, MAX_MANIFEST_BYTES))
  } catch (err) {
    if (err instanceof ProtocolError) throw new ProtocolError('MODEL_MANIFEST_INVALID', err.message.replace(/^invalid manifest: /, 'manifest.json is invalid: '), err.issues, { cause: err })
    throw err
  }
}
