import { describe, expect, it } from 'vitest'
import { decodeChannel, decodeJson, decodeManifest, encodeChannel, validators } from './codec.ts'
import { ProtocolError } from './errors.ts'
import { alertExample, examples, readingExamples } from './examples.ts'
import { MAX_PAYLOAD_BYTES } from './version.ts'

const channelOf: Record<keyof typeof examples, 'status' | 'pred' | 'drift' | 'samples' | 'labels' | 'events' | 'desired' | 'cmd'> = {
  status: 'status', statusOffline: 'status', pred: 'pred', predDetection: 'pred', drift: 'drift', samples: 'samples',
  labels: 'labels', events: 'events', desired: 'desired', cmd: 'cmd',
}

const clone = <T>(v: T): T => structuredClone(v)

describe('documented examples', () => {
  for (const [name, example] of Object.entries(examples)) {
    it(`${name} round-trips through encode and decode`, () => {
      const channel = channelOf[name as keyof typeof examples]
      const wire = encodeChannel(channel, example as never)
      expect(decodeChannel(channel, new TextEncoder().encode(wire))).toEqual(example)
    })
  }
  it('alert and readings validate', () => {
    expect(validators.alert.check(alertExample)).toBe(true)
    for (const r of readingExamples) expect(validators.reading.check(r)).toBe(true)
  })
})

/** A malformed variant of an example: what to break and how. */
const malformed: [string, keyof typeof examples, (m: any) => void][] = [
  ['wrong protocol version', 'pred', (m) => { m.v = 2 }],
  ['missing deviceId', 'status', (m) => { delete m.deviceId }],
  ['device id with a slash', 'status', (m) => { m.deviceId = 'a/b' }],
  ['device id with a wildcard', 'pred', (m) => { m.deviceId = 'dev+' }],
  ['seq as a string', 'pred', (m) => { m.seq = '42' }],
  ['negative seq', 'drift', (m) => { m.seq = -1 }],
  ['non-integer seq', 'drift', (m) => { m.seq = 1.5 }],
  ['NaN latency', 'pred', (m) => { m.items[0].latencyMs = NaN }],
  ['Infinity in a mean', 'drift', (m) => { m.features[0].mean = Infinity }],
  ['a tie on a negative edge index', 'drift', (m) => { m.features[0].ties = [[-1, 2]] }],
  ['confidence above 1', 'pred', (m) => { m.items[0].confidence = 1.5 }],
  ['empty prediction batch', 'pred', (m) => { m.items = [] }],
  ['huge prediction batch', 'pred', (m) => { m.items = Array.from({ length: 1001 }, () => m.items[0]) }],
  ['huge scores array', 'pred', (m) => { m.items[0].scores = new Array(5000).fill(0.1) }],
  ['too many bins', 'drift', (m) => { m.features[0].bins = new Array(100).fill(1) }],
  ['extra property', 'labels', (m) => { m.extra = true }],
  ['unknown event type', 'events', (m) => { m.event.type = 'explode' }],
  ['unknown error code', 'events', (m) => { m.event.code = 'NOPE' }],
  ['bad version string', 'desired', (m) => { m.active.version = 'latest' }],
  ['bad sha256', 'desired', (m) => { m.active.sha256 = 'xyz' }],
  ['unknown command', 'cmd', (m) => { m.cmd = { type: 'format-disk' } }],
  ['box with 3 corners', 'predDetection', (m) => { m.items[0].detections[0].box = [0, 0, 1] }],
  ['model name with upper case', 'samples', (m) => { m.model.name = 'Gas' }],
]

describe('malformed payloads are refused with their path', () => {
  for (const [what, base, breakIt] of malformed) {
    it(what, () => {
      const m = clone(examples[base]) as any
      breakIt(m)
      const channel = channelOf[base]
      expect(validators[channel].check(m)).toBe(false)
      const err = (() => { try { validators[channel].parse(m) } catch (e) { return e } })()
      expect(err).toBeInstanceOf(ProtocolError)
      expect((err as ProtocolError).code).toBe('PROTOCOL_PAYLOAD_INVALID')
      expect((err as ProtocolError).issues.length).toBeGreaterThan(0)
    })
  }
  it('refuses to encode an invalid message', () => {
    const m = clone(examples.pred) as any
    m.items[0].latencyMs = -1
    expect(() => encodeChannel('pred', m)).toThrow(/latencyMs/)
  })
})

describe('decodeJson', () => {
  it('refuses payloads over the size limit before parsing', () => {
    const big = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x20)
    expect(() => decodeJson(big)).toThrow(expect.objectContaining({ code: 'PROTOCOL_PAYLOAD_TOO_LARGE' }))
  })
  it('refuses invalid UTF-8', () => {
    expect(() => decodeJson(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toThrow(expect.objectContaining({ code: 'PROTOCOL_PAYLOAD_NOT_JSON' }))
  })
  it('refuses text that is not JSON', () => {
    expect(() => decodeJson('{"v":1,')).toThrow(expect.objectContaining({ code: 'PROTOCOL_PAYLOAD_NOT_JSON' }))
    expect(() => decodeJson('NaN')).toThrow(expect.objectContaining({ code: 'PROTOCOL_PAYLOAD_NOT_JSON' }))
  })
  it('survives deep nesting without a stack overflow escaping', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    expect(() => decodeChannel('pred', deep)).toThrow(ProtocolError)
  })
  it('refuses a huge number that overflows to Infinity', () => {
    const m = clone(examples.pred) as any
    const text = JSON.stringify(m).replace('"latencyMs":0.004', '"latencyMs":1e400')
    expect(() => decodeChannel('pred', text)).toThrow(/latencyMs/)
  })
})

describe('readings', () => {
  it('refuses nested objects and booleans as feature values', () => {
    expect(validators.reading.check({ a: { b: 1 } })).toBe(false)
    expect(validators.reading.check({ a: true })).toBe(false)
    expect(validators.reading.check([])).toBe(false)
  })
})

describe('decodeManifest', () => {
  it('reports an invalid manifest with MODEL_MANIFEST_INVALID', () => {
    expect(() => decodeManifest('{"formatVersion":1}')).toThrow(expect.objectContaining({ code: 'MODEL_MANIFEST_INVALID' }))
  })
})
