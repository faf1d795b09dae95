import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { build, loadHubConfig } from '@edgefleet/hub'
import { decodeChannel, deviceTopic, examples, UPLINK_CHANNELS, type UplinkChannel } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INVALID_UTF8, malformedPayload, type Malformed } from './malformed.ts'
import { counterValue } from './metrics-text.ts'
import { publishRaw, type RawOutcome } from './raw-mqtt.ts'

/**
 * Property-based fuzzing of the hub's MQTT ingest: every device uplink channel gets generated
 * malformed payloads (fixed seeds), interleaved with valid predictions of known seqs, from real
 * mqtt.js clients with real device credentials against the hub's embedded broker; then devices abuse
 * topics with raw PUBLISH packets. The hub must acknowledge or refuse every input, count each invalid
 * message exactly once, store every valid one, and keep serving everyone else.
 */

const SEED = 20_261_128
const PER_CHANNEL = 900
/** every this many fuzz inputs, one valid prediction message with a known seq */
const VALID_EVERY = 10
const KNOWN_MODEL = { name: 'fuzz-known', version: '1.0.0' }
const KNOWN_SEQ0 = 5_000_000_000

let app: FastifyInstance
let dataDir: string
let mqttPort: number
const secrets: Record<string, string> = {}
const clients: mqtt.MqttClient[] = []
const counts: Record<string, number> = {}
const tally = (category: string, n = 1): void => void (counts[category] = (counts[category] ?? 0) + n)

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ef-fuzz-mqtt-'))
  // the per-device publish rate limit is another test's subject: raised here so that only validity decides
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', devicePublishRate: 1_000_000, devicePublishBurst: 1_000_000 }, {}) })
  mqttPort = (await app.broker.start()).mqttPort!
  const ids = [...UPLINK_CHANNELS.map((c) => `fuzz-${c}`), 'abuser', 'victim', 'bystander']
  for (const id of ids) secrets[id] = (await app.registry.addDevice(id)).secret
})

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await app?.close()
  rmSync(dataDir, { recursive: true, force: true })
  console.log(`mqtt-ingest fuzz inputs by category: ${JSON.stringify(counts)}; total ${Object.values(counts).reduce((a, b) => a + b, 0)}`)
})

async function connect(id: string): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: id, username: id, password: secrets[id], reconnectPeriod: 0 })
  clients.push(client)
  return client
}

/** Publishes at QoS 1 and resolves on the PUBACK; rejects if the broker closes the connection instead. */
function publishAcked(client: mqtt.MqttClient, topic: string, payload: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = (): void => reject(new Error(`the broker closed ${client.options.clientId}'s connection instead of acknowledging`))
    client.once('close', onClose)
    client.publish(topic, payload, { qos: 1 }, (err) => {
      client.off('close', onClose)
      if (err) reject(err)
      else resolve()
    })
  })
}

async function metrics(): Promise<string> {
  return (await app.inject({ url: '/metrics' })).body
}

/** What the hub should make of a payload on `channel` from `deviceId`: the protocol's own decoder is the oracle. */
function expectedValid(channel: UplinkChannel, deviceId: string, bytes: Uint8Array): boolean {
  try {
    return decodeChannel(channel, bytes).deviceId === deviceId
  } catch {
    return false
  }
}

const validBase = (channel: UplinkChannel, deviceId: string): object => ({ ...examples[channel], deviceId })

/** A valid prediction message with a known seq, for the known model only these carry. */
function knownPredictions(deviceId: string, i: number): string {
  const ts = Date.now()
  return JSON.stringify({ v: 1, deviceId, seq: KNOWN_SEQ0 + i, ts, model: KNOWN_MODEL, items: [0, 1].map((k) => ({ id: `known-${i}-${k}`, ts, latencyMs: 0.1, label: 'Ethanol', classIndex: 0, confidence: 0.9 })) })
}

describe('MQTT ingest under generated malformed payloads', () => {
  it('acknowledges every payload on every uplink channel, counts each invalid one exactly, and stores every valid message', async () => {
    const before = await metrics()
    const sent = await Promise.all(UPLINK_CHANNELS.map(async (channel, c) => {
      const deviceId = `fuzz-${channel}`
      const client = await connect(deviceId)
      let invalid = 0
      let valid = 0
      let known = 0
      let i = 0
      // each generated payload gets a PUBACK on a connection that stays up (the property), and is tallied for the exact counts below
      const payload = fc.oneof(
        { weight: 12, arbitrary: malformedPayload(validBase(channel, deviceId)) },
        // a valid message of this channel that names another device: counted invalid too
        { weight: 1, arbitrary: fc.constant<Malformed>({ category: 'other-device-id', bytes: Buffer.from(JSON.stringify(validBase(channel, 'fuzz-victim'))) }) },
      )
      await fc.assert(
        fc.asyncProperty(payload, async (m) => {
          await publishAcked(client, deviceTopic(deviceId, channel), Buffer.from(m.bytes))
          tally(m.category)
          if (expectedValid(channel, deviceId, m.bytes)) valid++
          else invalid++
          if (++i % VALID_EVERY === 0) {
            await publishAcked(client, deviceTopic(deviceId, 'pred'), knownPredictions(deviceId, known++))
          }
          return client.connected
        }),
        { seed: SEED + c, numRuns: PER_CHANNEL, endOnFailure: true },
      )
      return { channel, deviceId, invalid, valid, known }
    }))
    // fixed cases the issue names, whatever the generators drew: 10 000 levels of nesting, 2^53+1, invalid UTF-8 on each channel
    const fixed = await connect('bystander')
    const fixedPayloads: Buffer[] = [
      Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`),
      Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
      Buffer.from(JSON.stringify({ ...examples.pred, deviceId: 'bystander' }).replace('"seq":42', '"seq":9007199254740993')),
      Buffer.from(JSON.stringify({ ...examples.pred, deviceId: 'bystander' }).replace('"seq":42', '"seq":1e308')),
      Buffer.from(JSON.stringify({ ...examples.pred, deviceId: 'bystander' }).replace('"seq":42', '"seq":-0.5')),
      ...INVALID_UTF8.map((bad) => Buffer.concat([Buffer.from('{"v":1,"deviceId":"bystander","x":"'), Buffer.from(bad), Buffer.from('"}')])),
    ]
    for (const channel of UPLINK_CHANNELS) for (const p of fixedPayloads) await publishAcked(fixed, deviceTopic('bystander', channel), p)
    tally('fixed-edge-cases', UPLINK_CHANNELS.length * fixedPayloads.length)
    expect(fixed.connected).toBe(true)

    const after = await metrics()
    const delta = (channel: string, outcome: string): number =>
      counterValue(after, 'edgefleet_messages_total', { channel, outcome }) - counterValue(before, 'edgefleet_messages_total', { channel, outcome })
    const knownTotal = sent.reduce((a, s) => a + s.known, 0)
    tally('valid-known-seq', knownTotal)
    for (const s of sent) {
      const fixedInvalid = fixedPayloads.length
      const knownHere = s.channel === 'pred' ? knownTotal : 0
      expect({ channel: s.channel, invalid: delta(s.channel, 'invalid') }).toEqual({ channel: s.channel, invalid: s.invalid + fixedInvalid })
      // a valid fuzz message is stored, or recognised as a resend of a seq stored before: acknowledged and never counted invalid
      expect({ channel: s.channel, accepted: delta(s.channel, 'stored') + delta(s.channel, 'duplicate') }).toEqual({ channel: s.channel, accepted: s.valid + knownHere })
      expect(app.ingest.counters.get(s.deviceId).invalid).toBe(s.invalid)
      // no accepted data lost: every known prediction of this device is in the telemetry store
      expect(await app.telemetry.countPredictions({ deviceId: s.deviceId, model: KNOWN_MODEL.name })).toBe(2 * s.known)
    }
    expect(app.ingest.counters.get('bystander').invalid).toBe(UPLINK_CHANNELS.length * fixedPayloads.length)
    for (const c of clients) expect(c.connected, `${c.options.clientId} still connected`).toBe(true)
    console.log(`mqtt-ingest per channel: ${JSON.stringify(sent)}`)
  }, 240_000)

  it('closes a device connection that publishes where it may not (wildcards, other devices, $SYS, downlink, long or invalid-UTF-8 topics), and keeps serving others', async () => {
    const bystander = await connect('victim')
    const login = { clientId: 'abuser', username: 'abuser', password: secrets.abuser! }
    const own = (channel: string): string => `ef/v1/dev/abuser/${channel}`
    const payload = Buffer.from(JSON.stringify({ ...examples.pred, deviceId: 'abuser' }))
    const topicArb: fc.Arbitrary<{ category: string; topic: Buffer }> = fc.oneof(
      fc.tuple(fc.constantFrom(...UPLINK_CHANNELS), fc.nat(), fc.constantFrom('+', '#', '/#', '/+', '+/', 'a#', 'a+b'))
        .map(([ch, at, w]) => { const t = own(ch); const k = at % (t.length + 1); return { category: 'topic-wildcard', topic: Buffer.from(t.slice(0, k) + w + t.slice(k)) } }),
      fc.tuple(fc.constantFrom('fuzz-pred', 'victim', 'bystander', 'nobody'), fc.constantFrom(...UPLINK_CHANNELS))
        .map(([d, ch]) => ({ category: 'topic-other-device', topic: Buffer.from(`ef/v1/dev/${d}/${ch}`) })),
      fc.constantFrom('desired', 'cmd').map((ch) => ({ category: 'topic-own-downlink', topic: Buffer.from(own(ch)) })),
      fc.constantFrom('$SYS/broker/uptime', '$SYS/edgefleet', '$share/g/ef/v1/dev/abuser/pred', '$ef/v1/dev/abuser/pred', 'ef/v1/alerts/drift/gas-sensor/_fleet/data-drift', 'ef/v1/sensors/abuser/s1')
        .map((t) => ({ category: 'topic-reserved-or-foreign', topic: Buffer.from(t) })),
      fc.integer({ min: 300, max: 65_000 }).map((n) => ({ category: 'topic-very-long', topic: Buffer.from(`${own('pred')}/${'a'.repeat(n)}`.slice(0, 65_535)) })),
      fc.integer({ min: 10, max: 5_000 }).map((n) => ({ category: 'topic-many-levels', topic: Buffer.from(`${own('pred')}${'/x'.repeat(n)}`) })),
      fc.tuple(fc.constantFrom(...UPLINK_CHANNELS), fc.nat(), fc.constantFrom(...INVALID_UTF8))
        .map(([ch, at, bad]) => { const t = Buffer.from(own(ch)); const k = at % (t.length + 1); return { category: 'topic-invalid-utf8', topic: Buffer.concat([t.subarray(0, k), Buffer.from(bad), t.subarray(k)]) } }),
      fc.constantFrom('', 'ef/v1/dev/abuser/pred\u0000', 'ef/v1/dev/abuser\u0000/pred', '/', 'ef/v1/dev//pred', 'ef/v1/dev/abuser/pred/')
        .map((t) => ({ category: 'topic-empty-nul-or-malformed', topic: Buffer.from(t) })),
    )
    const refusals = async (): Promise<number> => {
      const text = await metrics()
      return counterValue(text, 'edgefleet_mqtt_refusals_total', { kind: 'publish' }) + counterValue(text, 'edgefleet_mqtt_refusals_total', { kind: 'protocol' })
    }
    const refusedBefore = await refusals()
    const outcomes: Record<RawOutcome, number> = { puback: 0, closed: 0 }
    let k = 0
    await fc.assert(
      fc.asyncProperty(topicArb, async ({ category, topic }) => {
        const outcome = await publishRaw(mqttPort, login, topic, payload)
        outcomes[outcome]++
        tally(category)
        // the hub keeps serving a well-behaved device meanwhile
        if (++k % 25 === 0) await publishAcked(bystander, deviceTopic('victim', 'pred'), knownPredictions('victim', k))
        return outcome === 'closed'
      }),
      { seed: SEED + 100, numRuns: 400, endOnFailure: true },
    )
    expect(outcomes).toEqual({ puback: 0, closed: 400 })
    // every closed connection is counted once: by the topic policy, or as a protocol error aedes caught first
    expect(await refusals() - refusedBefore).toBe(400)
    expect(app.ingest.counters.get('abuser')?.refused).toBe(400)
    // nothing of it reached ingest: not stored, not counted as anyone's message
    for (const id of ['abuser', 'victim', 'fuzz-pred', 'bystander']) expect(await app.telemetry.countPredictions({ deviceId: id, model: 'gas-sensor' })).toBe(0)
    expect(app.ingest.counters.get('abuser')).toMatchObject({ messages: 0 })
    expect(await app.telemetry.countPredictions({ deviceId: 'victim', model: KNOWN_MODEL.name })).toBe(2 * 16)
    expect(bystander.connected).toBe(true)
    // the abuser's own valid message still goes through on a fresh connection
    expect(await publishRaw(mqttPort, login, Buffer.from(own('pred')), payload)).toBe('puback')
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok' })
  }, 240_000)
})
