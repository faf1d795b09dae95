import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deviceTopic, examples, type DeviceEventList, type DeviceView } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'

let dataDir: string
let app: FastifyInstance
let token: string
let device: mqtt.MqttClient

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-device-routes-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  const { mqttPort } = await app.broker.start()
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  const { secret } = await app.registry.addDevice('pi-kitchen-01')
  device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'pi-kitchen-01', password: secret, clientId: 'pi-kitchen-01', reconnectPeriod: 0 })
})

afterEach(async () => {
  await device.endAsync(true)
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

const get = async <T>(url: string) => (await app.inject({ url, headers: { authorization: `Bearer ${token}` } })).json() as T
const publish = (channel: 'status' | 'events', body: object) => device.publishAsync(deviceTopic('pi-kitchen-01', channel), JSON.stringify(body), { qos: 1 })

describe('device routes', () => {
  it('show each device\'s health from its latest status: latency, inference errors, the agent\'s drift judgement', async () => {
    expect((await get<DeviceView>('/api/v1/devices/pi-kitchen-01')).health).toBeNull()
    await publish('status', { ...examples.status, latencyP95Ms: 0.5, counters: { ...examples.status.counters, inferenceRuns: 900, inferenceErrors: 3 }, drift: { state: 'drifting', features: ['s01_dr'] } })
    const { devices } = await get<{ devices: DeviceView[] }>('/api/v1/devices')
    expect(devices[0]?.health).toMatchObject({ online: true, latencyMs: 0.02, latencyP95Ms: 0.5, inferenceRuns: 900, inferenceErrors: 3, drift: { state: 'drifting', features: ['s01_dr'] } })
  })

  it('list a device\'s events newest first, with a limit', async () => {
    for (const [seq, step] of [[1, 'received'], [2, 'download'], [3, 'verify-digest']] as const) {
      await publish('events', { ...examples.events, seq, event: { ...examples.events.event, step, state: 'succeeded', code: undefined, message: undefined } })
    }
    const all = await get<DeviceEventList>('/api/v1/devices/pi-kitchen-01/events')
    expect(all.events.map((e) => [e.seq, e.type, e.event.step])).toEqual([[3, 'deploy', 'verify-digest'], [2, 'deploy', 'download'], [1, 'deploy', 'received']])
    expect((await get<DeviceEventList>('/api/v1/devices/pi-kitchen-01/events?limit=1')).events.map((e) => e.seq)).toEqual([3])
    expect(await get('/api/v1/devices/nobody/events')).toMatchObject({ statusCode: 404, code: 'HUB_DEVICE_NOT_FOUND' })
    expect(await get('/api/v1/devices/pi-kitchen-01/events?limit=0')).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
  })
})
