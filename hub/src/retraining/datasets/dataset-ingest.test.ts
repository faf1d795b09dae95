import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deviceTopic, examples, type Labels } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { samplesMessage } from './dataset-fixtures.ts'

let dataDir: string
let app: FastifyInstance
let device: mqtt.MqttClient
let announced: [string, number][]

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-dataset-ingest-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  const { mqttPort } = await app.broker.start()
  const { secret } = await app.registry.addDevice('pi-01')
  device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'pi-01', password: secret, clientId: 'pi-01', reconnectPeriod: 0 })
  announced = []
  app.labelArrivals.subscribe((model, count) => announced.push([model, count]))
})

afterEach(async () => {
  await device.endAsync(true)
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

/** Publishes with QoS 1: resolves on the PUBACK, which the hub sends only after storing. */
const publish = (channel: 'samples' | 'labels', body: unknown) => device.publishAsync(deviceTopic('pi-01', channel), JSON.stringify(body), { qos: 1 })
const labels = (seq: number, items: Labels['items']): Labels => ({ v: 1, deviceId: 'pi-01', seq, ts: 1000, items })

describe('samples and labels over MQTT', () => {
  it('stores them before the acknowledgement, joins a label that came first, and announces labels per model', async () => {
    await publish('labels', labels(1, [{ sampleId: 's-1', label: 'Toluene', ts: 500, source: 'lab' }]))
    expect(await app.datasets.summary('gas-sensor')).toMatchObject({ samples: 0, labelled: 0 })
    expect(announced).toEqual([])

    const samples = samplesMessage({ seq: 2, items: [{ id: 's-1', ts: 100, predicted: 'Acetone' }, { id: 's-2', ts: 200, predicted: 'Toluene', reason: 'low-confidence' }] })
    await publish('samples', samples)
    expect(announced).toEqual([['gas-sensor', 1]])
    await publish('labels', labels(3, [{ sampleId: 's-2', label: 'Toluene', ts: 600 }]))
    expect(announced).toEqual([['gas-sensor', 1], ['gas-sensor', 1]])

    // a redelivery (same seq) and a resend (new seq) of the same samples change nothing
    await publish('samples', samples)
    await publish('samples', { ...samples, seq: 4 })
    expect(await app.datasets.summary('gas-sensor')).toMatchObject({
      samples: 2, labelled: 2, byReason: { random: 1, 'low-confidence': 1 }, byClass: { Toluene: 2 },
      accuracyByVersion: [{ version: '1.0.0', labelled: 2, correct: 1, accuracy: 0.5 }],
    })
    expect(announced).toHaveLength(2)
  })

  it('stores the protocol example, and refuses an invalid message without storing it', async () => {
    await publish('samples', { ...examples.samples, deviceId: 'pi-01' })
    await publish('samples', { ...examples.samples, deviceId: 'pi-01', seq: 50, items: [{ ...examples.samples.items[0], id: 's-9', features: ['high'] }] })
    await publish('labels', { ...examples.labels, deviceId: 'pi-01' })
    const summary = await app.datasets.summary('gas-sensor')
    expect(summary).toMatchObject({ samples: 1, labelled: 1, byClass: { Toluene: 1 }, accuracyByVersion: [{ version: '1.0.0', labelled: 1, correct: 0 }] })
    expect(app.ingest.counters.get('pi-01').invalid).toBe(1)
  })
})
