import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DeviceView } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import mqtt from 'mqtt'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'

let dataDir: string
let app: FastifyInstance
let url: string
let token: string
let secret: string
const clients: mqtt.MqttClient[] = []

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-credential-routes-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  url = `mqtt://127.0.0.1:${(await app.broker.start()).mqttPort}`
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'admin')).secret}`
  secret = (await app.registry.addDevice('pi-01')).secret
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

const post = async (url: string) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` } })

async function connectDevice(password: string): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url, { username: 'pi-01', password, clientId: 'pi-01', reconnectPeriod: 0 })
  clients.push(client)
  return client
}

const closed = (c: mqtt.MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()))

describe('revoke and rotate-secret routes', () => {
  it('revoke drops the device’s connection at once and refuses its next; it stays listed, marked revoked', async () => {
    const device = await connectDevice(secret)
    const dropped = closed(device)
    const res = await post('/api/v1/devices/pi-01/revoke')
    expect(res.statusCode).toBe(200)
    expect(res.json<DeviceView>()).toMatchObject({ id: 'pi-01', revokedAt: expect.any(Number) })
    await dropped
    await expect(connectDevice(secret)).rejects.toThrow(/Bad username or password|Not authorized/)
    expect((await app.registry.getDevice('pi-01'))?.revokedAt).toEqual(expect.any(Number))
  })

  it('rotate-secret answers the new secret once and drops a connection made with the old one', async () => {
    const device = await connectDevice(secret)
    const dropped = closed(device)
    const res = await post('/api/v1/devices/pi-01/rotate-secret')
    expect(res.statusCode).toBe(200)
    const { id, secret: fresh } = res.json<{ id: string; secret: string }>()
    expect(id).toBe('pi-01')
    await dropped
    await expect(connectDevice(secret)).rejects.toThrow(/Bad username or password|Not authorized/)
    await connectDevice(fresh)
  })

  it('an operator token may not revoke or rotate: admin only', async () => {
    const operator = `ops2.${(await app.registry.addCredential('operator', 'ops2', 'operator')).secret}`
    for (const action of ['revoke', 'rotate-secret']) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/devices/pi-01/${action}`, headers: { authorization: `Bearer ${operator}` } })
      expect(res.statusCode, action).toBe(403)
    }
    expect(await app.registry.verifyDeviceSecret('pi-01', secret)).toBe(true)
  })

  it('404 for an unknown device, 401 without a token', async () => {
    expect((await post('/api/v1/devices/nobody/revoke')).json()).toMatchObject({ statusCode: 404, code: 'HUB_DEVICE_NOT_FOUND' })
    expect((await post('/api/v1/devices/nobody/rotate-secret')).json()).toMatchObject({ statusCode: 404, code: 'HUB_DEVICE_NOT_FOUND' })
    expect((await app.inject({ method: 'POST', url: '/api/v1/devices/pi-01/revoke' })).statusCode).toBe(401)
    expect((await app.registry.getDevice('pi-01'))?.revokedAt).toBeNull()
  })
})
