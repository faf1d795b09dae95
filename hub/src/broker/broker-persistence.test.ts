import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { HubError } from '../errors.ts'
import { openBrokerPersistence, type BrokerPersistence, type BrokerPersistenceKind } from './broker-persistence.ts'

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-broker-persistence-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A bare aedes on an ephemeral port over `persistence`, as the hub's embedded broker uses it. */
async function broker(persistence: BrokerPersistence): Promise<{ aedes: Aedes; url: string; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker({ ...(persistence.store ? { persistence: persistence.store } : {}) })
  const server: Server = createServer(aedes.handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await persistence.close()
  }
  cleanup.push(close)
  return { aedes, url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, close }
}

const publish = (aedes: Aedes, topic: string, payload: string, retain = false): Promise<void> =>
  new Promise((resolve, reject) => aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false } as never, (err) => (err ? reject(err) : resolve())))

/** Across a restart of the broker on the same data directory: does an away subscriber get what was queued for it? */
async function queuedAcrossRestart(kind: BrokerPersistenceKind): Promise<{ sessionPresent: boolean; received: string[]; retained: string[] }> {
  const dir = dataDir()
  const first = await broker(await openBrokerPersistence(kind, dir))
  const sub = await mqtt.connectAsync(first.url, { clientId: 'pager', clean: false, reconnectPeriod: 0 })
  await sub.subscribeAsync('ef/v1/alerts/#', { qos: 1 })
  await sub.endAsync()
  // while the subscriber is away: a QoS 1 alert queued for its session, and a retained desired state
  await publish(first.aedes, 'ef/v1/alerts/drift/gas-sensor/pi-01/data-drift', 'raised')
  await publish(first.aedes, 'ef/v1/dev/pi-01/desired', 'v2', true)
  await first.close()

  const second = await broker(await openBrokerPersistence(kind, dir))
  const received: string[] = []
  // listening before the CONNACK: queued messages follow it at once
  const back = mqtt.connect(second.url, { clientId: 'pager', clean: false, reconnectPeriod: 0 })
  cleanup.push(() => back.endAsync())
  back.on('message', (_t, payload) => received.push(payload.toString()))
  const { sessionPresent } = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    back.once('connect', resolve)
    back.once('error', reject)
  })
  // a fresh client reads the retained desired state
  const reader = await mqtt.connectAsync(second.url, { clientId: 'device', reconnectPeriod: 0 })
  cleanup.push(() => reader.endAsync())
  const retained: string[] = []
  reader.on('message', (_t, payload, packet) => packet.retain && retained.push(payload.toString()))
  await reader.subscribeAsync('ef/v1/dev/pi-01/desired', { qos: 1 })
  // a marker behind the queued message: once it arrives, whatever was queued has arrived before it
  await publish(second.aedes, 'ef/v1/alerts/marker', 'marker')
  await expect.poll(() => (sessionPresent ? received.includes('marker') : true)).toBe(true)
  await expect.poll(() => retained.length > 0 || kind === 'memory').toBe(true)
  return { sessionPresent, received, retained }
}

describe('openBrokerPersistence', () => {
  it('disk: an away subscriber’s session and queued QoS 1 alert, and retained messages, survive a restart', async () => {
    const r = await queuedAcrossRestart('disk')
    expect(r.sessionPresent).toBe(true)
    expect(r.received).toEqual(['raised', 'marker'])
    expect(r.retained).toEqual(['v2'])
  })

  it('memory: the same restart loses them (what disk is for)', async () => {
    const r = await queuedAcrossRestart('memory')
    expect(r.sessionPresent).toBe(false)
    expect(r.received).toEqual([])
    expect(r.retained).toEqual([])
  })

  it('refuses a data directory another hub holds, with HUB_STORE_FAILED saying what to do', async () => {
    const dir = dataDir()
    const first = await openBrokerPersistence('disk', dir)
    cleanup.push(() => first.close())
    const second = openBrokerPersistence('disk', dir)
    await expect(second).rejects.toBeInstanceOf(HubError)
    await expect(second).rejects.toMatchObject({ code: 'HUB_STORE_FAILED', message: expect.stringContaining('another hub') })
  })
})
