import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { alertExample, examples, type Alert, type DeployEvent, type Desired, type Manifest } from '@edgefleet/protocol'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { POSTGRES_MISSING, postgresAvailable, startPostgres, type TestPostgres } from '../test-support/test-postgres.ts'
import { LATEST_SCHEMA_VERSION } from './migrations.ts'
import { PgRegistry } from './postgres/pg-registry.ts'
import type { CredentialKind, RegistryStore } from './registry-store.ts'
import { SqliteRegistry } from './sqlite-registry.ts'

/**
 * What the contract needs from an implementation: one underlying database that stores can be opened
 * on (again and again), a way to fake a newer edgefleet's migration, and cleanup.
 */
interface RegistryHarness {
  open(): Promise<RegistryStore>
  /** the schema versions recorded as applied */
  appliedVersions(): Promise<number[]>
  /** records a schema version newer than the code knows, as a newer edgefleet would */
  simulateNewerSchema(): Promise<void>
  /** closes every store opened through the harness and removes the database */
  destroy(): Promise<void>
}

async function sqliteHarness(): Promise<RegistryHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-registry-'))
  // a directory that does not exist yet: open() must create it
  const file = join(dir, 'nested', 'registry.db')
  const opened: RegistryStore[] = []
  const raw = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file)
    try {
      return fn(db)
    } finally {
      db.close()
    }
  }
  return {
    open: async () => {
      const store = await SqliteRegistry.open(file)
      opened.push(store)
      return store
    },
    appliedVersions: async () => raw((db) => (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version)),
    simulateNewerSchema: async () => {
      raw((db) => db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from-the-future', 0)").run(LATEST_SCHEMA_VERSION + 1))
    },
    destroy: async () => {
      for (const store of opened) await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A fresh database (CREATE DATABASE) per harness, in one server per test file. */
async function pgHarness(url: string): Promise<RegistryHarness> {
  const opened: RegistryStore[] = []
  const raw = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    open: async () => {
      const store = await PgRegistry.open(url, { poolSize: 4 })
      opened.push(store)
      return store
    },
    appliedVersions: () => raw(async (c) => (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version)),
    simulateNewerSchema: async () => {
      await raw((c) => c.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from-the-future', 0)", [LATEST_SCHEMA_VERSION + 1]))
    },
    destroy: async () => {
      // the database goes with the server (or, on an external one, when the server helper stops)
      for (const store of opened) await store.close()
    },
  }
}

/** One implementation under the contract: what it needs per test file, and a harness per test. */
interface Implementation {
  name: string
  available: boolean
  start(): Promise<void>
  stop(): Promise<void>
  harness(): Promise<RegistryHarness>
}

function postgresImplementation(): Implementation {
  let server: TestPostgres | null = null
  return {
    name: 'postgres',
    available: postgresAvailable(),
    async start() {
      server = await startPostgres()
      if (!server) throw new Error('PostgreSQL disappeared between the availability check and the start')
    },
    stop: async () => server?.stop(),
    harness: async () => pgHarness(await server!.createDatabase()),
  }
}

const implementations: Implementation[] = [
  { name: 'sqlite', available: true, start: async () => {}, stop: async () => {}, harness: sqliteHarness },
  postgresImplementation(),
]

it('runs the PostgreSQL half of the contract (required under CI)', (ctx) => {
  if (postgresAvailable()) return
  if (process.env.CI === 'true') throw new Error(POSTGRES_MISSING)
  ctx.skip(POSTGRES_MISSING)
})

const SECRET = /^[A-Za-z0-9_-]{43}$/
const MODEL = { name: 'gas-sensor', version: '1.2.0', sha256: 'a'.repeat(64) }

/** An alert: the protocol example with these fields changed (a fleet alert loses its device id). */
function alert(id: string, o: Partial<Alert> & { version?: string } = {}): Alert {
  const { version, ...rest } = o
  const a: Alert = { ...alertExample, id, ...rest, model: { ...alertExample.model, ...rest.model, ...(version ? { version } : {}) } }
  if (a.scope === 'fleet') delete a.deviceId
  return a
}
const ids = (records: { alert: Alert }[] | Alert[]): string[] => records.map((r) => ('alert' in r ? r.alert.id : r.id))

describe.each(implementations.filter((i) => i.available))('RegistryStore contract: $name', (implementation) => {
  let harness: RegistryHarness
  let store: RegistryStore

  beforeAll(() => implementation.start(), 120_000)
  afterAll(() => implementation.stop(), 60_000)
  beforeEach(async () => {
    harness = await implementation.harness()
    store = await harness.open()
  })
  afterEach(async () => {
    await harness.destroy()
  })

  describe('devices', () => {
    it('adds a device with its tags and a secret shown once, and gets it back', async () => {
      const before = Date.now()
      const { device, secret } = await store.addDevice('pi-01', { site: 'lab', floor: '2' })
      expect(secret).toMatch(SECRET)
      expect(device).toEqual({
        id: 'pi-01', tags: { site: 'lab', floor: '2' }, createdAt: expect.any(Number), firstSeen: null, lastSeen: null,
        online: false, model: null, agentVersion: null, backend: null, keepaliveS: null, revokedAt: null, claim: null,
      })
      expect(device.createdAt).toBeGreaterThanOrEqual(before)
      expect(await store.getDevice('pi-01')).toEqual(device)
      expect(await store.getDevice('pi-99')).toBeNull()
      expect(JSON.stringify(device)).not.toContain(secret)
    })

    it('refuses a second device with the same id, and keeps the first one’s secret', async () => {
      const { secret } = await store.addDevice('pi-01')
      await expect(store.addDevice('pi-01', { site: 'x' })).rejects.toMatchObject({ code: 'HUB_DEVICE_EXISTS' })
      expect(await store.verifyDeviceSecret('pi-01', secret)).toBe(true)
      expect((await store.getDevice('pi-01'))!.tags).toEqual({})
    })

    it.each(['', 'a/b', '+', '#', '_fleet', '-x', 'a'.repeat(65), 'dev 1'])('refuses the invalid device id %j', async (id) => {
      await expect(store.addDevice(id)).rejects.toMatchObject({ code: 'HUB_DEVICE_ID_INVALID' })
      await expect(store.removeDevice(id)).rejects.toMatchObject({ code: 'HUB_DEVICE_ID_INVALID' })
      // a lookup (the broker looks up whatever username a client sends) just finds nothing
      expect(await store.getDevice(id)).toBeNull()
    })

    it('lists devices by id, filtered by every given tag and by online', async () => {
      await store.addDevice('pi-03', { site: 'lab', role: 'gas' })
      await store.addDevice('pi-01', { site: 'lab', role: 'camera' })
      await store.addDevice('pi-02', { site: 'plant', role: 'gas' })
      await store.updatePresence('pi-02', { online: true, at: 1000 })
      const ids = async (f?: Parameters<RegistryStore['listDevices']>[0]) => (await store.listDevices(f)).map((d) => d.id)
      expect(await ids()).toEqual(['pi-01', 'pi-02', 'pi-03'])
      expect(await ids({ tags: { site: 'lab' } })).toEqual(['pi-01', 'pi-03'])
      expect(await ids({ tags: { site: 'lab', role: 'gas' } })).toEqual(['pi-03'])
      expect(await ids({ tags: { site: 'moon' } })).toEqual([])
      expect(await ids({ tags: { nosuchtag: 'lab' } })).toEqual([])
      expect(await ids({ online: true })).toEqual(['pi-02'])
      expect(await ids({ online: false, tags: { role: 'gas' } })).toEqual(['pi-03'])
    })

    it('removes a device: gone from get and list, its secret and events no longer count', async () => {
      const { secret } = await store.addDevice('pi-01')
      await store.recordEvent({ deviceId: 'pi-01', seq: 1, ts: 1, type: 'error', event: { type: 'error' } })
      expect(await store.removeDevice('pi-01')).toBe(true)
      expect(await store.removeDevice('pi-01')).toBe(false)
      expect(await store.getDevice('pi-01')).toBeNull()
      expect(await store.listDevices()).toEqual([])
      expect(await store.verifyDeviceSecret('pi-01', secret)).toBe(false)
      expect(await store.listEvents('pi-01')).toEqual([])
      // re-added under the same id, it starts a fresh seq
      await store.addDevice('pi-01')
      expect(await store.recordEvent({ deviceId: 'pi-01', seq: 1, ts: 2, type: 'error', event: { type: 'error' } })).toBe(true)
    })
  })

  describe('device secrets', () => {
    it('accepts the right secret and refuses a wrong one, another device’s, and unknown devices', async () => {
      const a = await store.addDevice('pi-01')
      const b = await store.addDevice('pi-02')
      expect(a.secret).not.toBe(b.secret)
      expect(await store.verifyDeviceSecret('pi-01', a.secret)).toBe(true)
      expect(await store.verifyDeviceSecret('pi-01', b.secret)).toBe(false)
      expect(await store.verifyDeviceSecret('pi-01', `${a.secret}x`)).toBe(false)
      expect(await store.verifyDeviceSecret('pi-01', '')).toBe(false)
      expect(await store.verifyDeviceSecret('pi-03', a.secret)).toBe(false)
      expect(await store.verifyDeviceSecret('not a device id', a.secret)).toBe(false)
    })

    it('rotates a secret: the new one works, the old one no longer does', async () => {
      const { secret: old } = await store.addDevice('pi-01')
      const fresh = await store.rotateDeviceSecret('pi-01')
      expect(fresh).toMatch(SECRET)
      expect(fresh).not.toBe(old)
      expect(await store.verifyDeviceSecret('pi-01', fresh)).toBe(true)
      expect(await store.verifyDeviceSecret('pi-01', old)).toBe(false)
      await expect(store.rotateDeviceSecret('pi-99')).rejects.toMatchObject({ code: 'HUB_DEVICE_NOT_FOUND' })
    })
  })

  describe('presence', () => {
    it('records what a device reports, keeps what an update leaves out, and clears the model on null', async () => {
      await store.addDevice('pi-01')
      await store.updatePresence('pi-01', { online: true, at: 1000, agentVersion: '0.1.0', backend: 'wasm', model: MODEL, keepaliveS: 30 })
      expect(await store.getDevice('pi-01')).toMatchObject({
        online: true, firstSeen: 1000, lastSeen: 1000, agentVersion: '0.1.0', backend: 'wasm', model: MODEL, keepaliveS: 30,
      })
      await store.updatePresence('pi-01', { online: false, at: 2000 })
      expect(await store.getDevice('pi-01')).toMatchObject({ online: false, firstSeen: 1000, lastSeen: 2000, agentVersion: '0.1.0', model: MODEL })
      await store.updatePresence('pi-01', { online: true, at: 3000, model: null })
      expect(await store.getDevice('pi-01')).toMatchObject({ online: true, firstSeen: 1000, lastSeen: 3000, model: null })
    })

    it('marks every device offline at hub start, keeping when each was last seen', async () => {
      await store.addDevice('pi-01')
      await store.addDevice('pi-02')
      await store.updatePresence('pi-01', { online: true, at: 1000 })
      await store.updatePresence('pi-02', { online: true, at: 1500 })
      await store.markAllOffline(5000)
      expect((await store.listDevices()).map((d) => [d.id, d.online, d.lastSeen])).toEqual([['pi-01', false, 1000], ['pi-02', false, 1500]])
      expect(await store.listDevices({ online: true })).toEqual([])
    })

    it('refuses presence for an unknown device', async () => {
      await expect(store.updatePresence('pi-99', { online: true, at: 1 })).rejects.toMatchObject({ code: 'HUB_DEVICE_NOT_FOUND' })
    })
  })

  describe('credentials', () => {
    // an operator token always has a role; a subscriber has none
    const add = (kind: CredentialKind, name: string) => (kind === 'operator' ? store.addCredential(kind, name, 'viewer') : store.addCredential(kind, name))
    const role = (kind: CredentialKind) => (kind === 'operator' ? { role: 'viewer' } : {})

    it.each(['subscriber', 'operator'] as const)('adds, verifies, lists and removes %s credentials', async (kind) => {
      const b = await add(kind, 'bob')
      const a = await add(kind, 'alice.reader')
      expect(a).toEqual({ name: 'alice.reader', secret: expect.stringMatching(SECRET) })
      expect(await store.verifyCredential(kind, 'alice.reader', a.secret)).toBe(true)
      expect(await store.verifyCredential(kind, 'alice.reader', b.secret)).toBe(false)
      expect(await store.verifyCredential(kind, 'carol', a.secret)).toBe(false)
      expect(await store.listCredentials(kind)).toEqual([
        { name: 'alice.reader', createdAt: expect.any(Number), ...role(kind) },
        { name: 'bob', createdAt: expect.any(Number), ...role(kind) },
      ])
      await expect(add(kind, 'bob')).rejects.toMatchObject({ code: 'HUB_CREDENTIAL_EXISTS' })
      await expect(add(kind, 'bad name')).rejects.toMatchObject({ code: 'HUB_CREDENTIAL_NAME_INVALID' })
      expect(await store.removeCredential(kind, 'bob')).toBe(true)
      expect(await store.removeCredential(kind, 'bob')).toBe(false)
      expect(await store.verifyCredential(kind, 'bob', b.secret)).toBe(false)
      expect((await store.listCredentials(kind)).map((c) => c.name)).toEqual(['alice.reader'])
    })

    it('keeps the two kinds apart: a subscriber secret is no operator token', async () => {
      const sub = await store.addCredential('subscriber', 'ops')
      const op = await store.addCredential('operator', 'ops', 'operator')
      expect(await store.verifyCredential('operator', 'ops', sub.secret)).toBe(false)
      expect(await store.verifyOperatorToken('ops', sub.secret)).toBeNull()
      expect(await store.verifyCredential('subscriber', 'ops', op.secret)).toBe(false)
      expect(await store.removeCredential('subscriber', 'ops')).toBe(true)
      expect(await store.verifyCredential('operator', 'ops', op.secret)).toBe(true)
      expect(await store.listCredentials('subscriber')).toEqual([])
    })

    it.each(['viewer', 'operator', 'admin'] as const)('gives an operator token its role (%s) when its secret matches, and nothing otherwise', async (r) => {
      const t = await store.addCredential('operator', 'ci', r)
      const other = await store.addCredential('operator', 'other', 'admin')
      expect(await store.verifyOperatorToken('ci', t.secret)).toBe(r)
      expect(await store.verifyOperatorToken('ci', other.secret)).toBeNull()
      expect(await store.verifyOperatorToken('nobody', t.secret)).toBeNull()
      expect(await store.verifyOperatorToken('bad name', t.secret)).toBeNull()
      expect((await store.listCredentials('operator')).map((c) => [c.name, c.role])).toEqual([['ci', r], ['other', 'admin']])
      await store.removeCredential('operator', 'ci')
      expect(await store.verifyOperatorToken('ci', t.secret)).toBeNull()
    })

    it('changes an operator token\'s role in place: the same secret then carries the new role; unknown tokens and subscribers are not touched', async () => {
      const t = await store.addCredential('operator', 'ci', 'viewer')
      const sub = await store.addCredential('subscriber', 'alerts')
      expect(await store.setOperatorRole('ci', 'operator')).toBe(true)
      expect(await store.verifyOperatorToken('ci', t.secret)).toBe('operator')
      expect(await store.setOperatorRole('nobody', 'admin')).toBe(false)
      expect(await store.setOperatorRole('alerts', 'admin')).toBe(false)
      expect(await store.verifyCredential('subscriber', 'alerts', sub.secret)).toBe(true)
      const untyped = store.setOperatorRole.bind(store) as (name: string, role: string) => Promise<boolean>
      await expect(untyped('ci', 'root')).rejects.toMatchObject({ code: 'HUB_USAGE' })
      expect((await store.listCredentials('operator')).map((c) => [c.name, c.role])).toEqual([['ci', 'operator']])
    })

    it('refuses an operator token without a valid role', async () => {
      // a caller outside TypeScript (or a cast) still cannot store a token without a role
      const untyped = store.addCredential.bind(store) as (kind: CredentialKind, name: string, role?: string) => Promise<unknown>
      await expect(untyped('operator', 'ci')).rejects.toMatchObject({ code: 'HUB_USAGE', message: expect.stringMatching(/viewer, operator, admin/) })
      await expect(untyped('operator', 'ci', 'root')).rejects.toMatchObject({ code: 'HUB_USAGE' })
      expect(await store.listCredentials('operator')).toEqual([])
    })
  })

  it('keeps device ids and subscriber names apart: both are MQTT usernames', async () => {
    await store.addDevice('pi-01')
    await store.addCredential('subscriber', 'alerts')
    await expect(store.addCredential('subscriber', 'pi-01')).rejects.toMatchObject({ code: 'HUB_CREDENTIAL_EXISTS' })
    await expect(store.addDevice('alerts')).rejects.toMatchObject({ code: 'HUB_DEVICE_EXISTS' })
    // operator tokens are not MQTT usernames
    expect((await store.addCredential('operator', 'pi-01', 'viewer')).name).toBe('pi-01')
  })

  describe('events', () => {
    it('stores each (device, seq) exactly once and lists newest first', async () => {
      const event = (deviceId: string, seq: number) => ({ deviceId, seq, ts: 1000 + seq, type: 'deploy', event: { type: 'deploy', step: 'load', ok: true } })
      expect(await store.recordEvent(event('pi-01', 1))).toBe(true)
      expect(await store.recordEvent({ ...event('pi-01', 1), ts: 9999 })).toBe(false)
      expect(await store.recordEvent(event('pi-01', 2))).toBe(true)
      expect(await store.recordEvent(event('pi-02', 1))).toBe(true)
      expect(await store.listEvents('pi-01')).toEqual([event('pi-01', 2), event('pi-01', 1)])
      expect(await store.listEvents('pi-01', 1)).toEqual([event('pi-01', 2)])
      expect(await store.listEvents('pi-03')).toEqual([])
    })
  })

  describe('alerts', () => {
    it('stores an alert once per id and gets it back whole, unacknowledged', async () => {
      const a = alert('al-1')
      expect(await store.insertAlert(a)).toBe(true)
      expect(await store.insertAlert({ ...a, message: 'a different one' })).toBe(false)
      expect(await store.getAlert('al-1')).toEqual({ alert: a, ack: null })
      expect(await store.getAlert('al-404')).toBeNull()
    })

    it('lists newest first with every filter, and pages with the before cursor', async () => {
      await store.insertAlert(alert('a1', { ts: 1000, state: 'raised', deviceId: 'pi-01' }))
      await store.insertAlert(alert('a2', { ts: 2000, state: 'raised', scope: 'fleet', kind: 'prediction-drift' }))
      await store.insertAlert(alert('a3', { ts: 3000, state: 'cleared', deviceId: 'pi-01' }))
      await store.insertAlert(alert('a4', { ts: 3000, state: 'raised', deviceId: 'pi-02', version: '2.0.0' }))
      await store.insertAlert(alert('a5', { ts: 2500, state: 'raised', deviceId: 'pi-02', model: { name: 'other', version: '1.0.0' } }))
      await store.acknowledgeAlert('a1', { by: 'ops' })
      const list = async (q: Parameters<RegistryStore['listAlerts']>[0] = {}) => ids((await store.listAlerts(q)).alerts)
      // equal ts: arrival breaks the tie
      expect(await list()).toEqual(['a4', 'a3', 'a5', 'a2', 'a1'])
      expect(await list({ state: 'raised' })).toEqual(['a4', 'a5', 'a2', 'a1'])
      expect(await list({ model: 'gas-sensor' })).toEqual(['a4', 'a3', 'a2', 'a1'])
      expect(await list({ version: '2.0.0' })).toEqual(['a4'])
      expect(await list({ deviceId: 'pi-01' })).toEqual(['a3', 'a1'])
      expect(await list({ kind: 'prediction-drift' })).toEqual(['a2'])
      expect(await list({ scope: 'fleet' })).toEqual(['a2'])
      expect(await list({ acknowledged: true })).toEqual(['a1'])
      expect(await list({ acknowledged: false, deviceId: 'pi-01' })).toEqual(['a3'])
      const first = await store.listAlerts({ limit: 2 })
      expect([ids(first.alerts), first.next]).toEqual([['a4', 'a3'], 'a3'])
      const second = await store.listAlerts({ limit: 2, before: first.next! })
      expect([ids(second.alerts), second.next]).toEqual([['a5', 'a2'], 'a2'])
      const last = await store.listAlerts({ limit: 2, before: second.next! })
      expect([ids(last.alerts), last.next]).toEqual([['a1'], null])
      expect((await store.listAlerts({ limit: 5 })).next).toBeNull()
      await expect(store.listAlerts({ before: 'no-such-alert' })).rejects.toMatchObject({ code: 'HUB_USAGE' })
    })

    it('acknowledges once: the first acknowledgement is kept; unknown ids are not found', async () => {
      await store.insertAlert(alert('al-1'))
      const acked = await store.acknowledgeAlert('al-1', { by: 'ops', note: 'looking into it', at: 5000 })
      expect(acked).toEqual({ alert: alert('al-1'), ack: { at: 5000, by: 'ops', note: 'looking into it' } })
      expect(await store.acknowledgeAlert('al-1', { by: 'someone-else', at: 6000 })).toEqual(acked)
      expect(await store.getAlert('al-1')).toEqual(acked)
      await store.insertAlert(alert('al-2'))
      const before = Date.now()
      const noNote = await store.acknowledgeAlert('al-2', { by: 'ci' })
      expect(noNote.ack).toEqual({ at: expect.any(Number), by: 'ci', note: null })
      expect(noNote.ack!.at).toBeGreaterThanOrEqual(before)
      await expect(store.acknowledgeAlert('al-404', { by: 'ops' })).rejects.toMatchObject({ code: 'HUB_ALERT_NOT_FOUND', statusCode: 404 })
    })

    it('open alerts: the newest per (model, version, scope, device, kind) when it is raised', async () => {
      const raised = { state: 'raised' as const }
      const cleared = { state: 'cleared' as const }
      await store.insertAlert(alert('d1-raise', { ...raised, ts: 1000, deviceId: 'pi-01' }))
      await store.insertAlert(alert('d1-clear', { ...cleared, ts: 2000, deviceId: 'pi-01' }))
      await store.insertAlert(alert('d2-raise', { ...raised, ts: 1500, deviceId: 'pi-02' }))
      await store.insertAlert(alert('d2-raise-again', { ...raised, ts: 2500, deviceId: 'pi-02' }))
      await store.insertAlert(alert('d2-pred', { ...raised, ts: 1200, deviceId: 'pi-02', kind: 'prediction-drift' }))
      await store.insertAlert(alert('d2-v2-clear', { ...cleared, ts: 3000, deviceId: 'pi-02', version: '2.0.0' }))
      await store.insertAlert(alert('fleet-raise', { ...raised, ts: 1100, scope: 'fleet' }))
      await store.insertAlert(alert('fleet-clear', { ...cleared, ts: 1900, scope: 'fleet' }))
      await store.insertAlert(alert('fleet-raise-again', { ...raised, ts: 2900, scope: 'fleet' }))
      // a late-arriving clear with an older ts does not close a newer raise
      await store.insertAlert(alert('d2-stale-clear', { ...cleared, ts: 100, deviceId: 'pi-02' }))
      expect(ids(await store.openAlerts())).toEqual(['d2-pred', 'd2-raise-again', 'fleet-raise-again'])
    })

    it('latest per topic: the newest alert of each (model, scope, device, kind), raised or cleared', async () => {
      await store.insertAlert(alert('d1-raise', { state: 'raised', ts: 1000, deviceId: 'pi-01' }))
      await store.insertAlert(alert('d1-clear', { state: 'cleared', ts: 2000, deviceId: 'pi-01' }))
      // another version of the same model publishes on the same topic
      await store.insertAlert(alert('d1-v2-raise', { state: 'raised', ts: 3000, deviceId: 'pi-01', version: '2.0.0' }))
      await store.insertAlert(alert('fleet-clear', { state: 'cleared', ts: 1500, scope: 'fleet' }))
      await store.insertAlert(alert('d2-raise', { state: 'raised', ts: 500, deviceId: 'pi-02' }))
      expect(ids(await store.latestAlertPerTopic())).toEqual(['d2-raise', 'fleet-clear', 'd1-v2-raise'])
    })
  })

  describe('model versions', () => {
    const version = (v: string, parent: string | null = null) => ({
      name: 'gas-sensor', version: v, sha256: v.replace(/\D/g, '').padEnd(64, 'a'), size: 1000,
      // the store keeps the manifest as given; the push flow validates it
      manifest: { name: 'gas-sensor', version: v, description: `v${v}` } as unknown as Manifest,
      parentVersion: parent, createdAt: 1000,
    })

    it('registers versions that increase, refuses a repeat and an older one, and lists by version', async () => {
      await store.addModelVersion(version('1.0.0'))
      await store.addModelVersion(version('1.10.0', '1.0.0'))
      // semver order, not string order: 1.2.0-rc.1 comes before 1.10.0
      await expect(store.addModelVersion(version('1.2.0-rc.1'))).rejects.toMatchObject({ code: 'HUB_MODEL_VERSION_NOT_NEWER' })
      await expect(store.addModelVersion(version('1.0.0'))).rejects.toMatchObject({ code: 'HUB_MODEL_VERSION_EXISTS' })
      await store.addModelVersion(version('2.0.0-rc.1'))
      await store.addModelVersion(version('2.0.0'))
      expect((await store.listModelVersions('gas-sensor')).map((v) => v.version)).toEqual(['1.0.0', '1.10.0', '2.0.0-rc.1', '2.0.0'])
      expect(await store.listModelVersions('other')).toEqual([])
      expect(await store.getModelVersion('gas-sensor', '1.10.0')).toEqual(version('1.10.0', '1.0.0'))
      expect(await store.getModelVersion('gas-sensor', '9.9.9')).toBeNull()
    })
  })

  describe('desired state, deployments and rollouts', () => {
    const desired = (version: string, generation: number, rolloutId?: string): Desired => ({
      v: 1, ts: 1000, generation, rollback: false, ...(rolloutId ? { rolloutId } : {}),
      active: { ...examples.desired.active!, version },
    })
    const deploy = (version: string, step: DeployEvent['step'], generation: number, state: DeployEvent['state'] = 'succeeded'): DeployEvent => ({
      type: 'deploy', model: { name: 'gas-sensor', version }, step, state, generation, rolloutId: 'r1',
    })

    it('stores desired state with generations that only increase, survives reopening, and lists by rollout', async () => {
      expect(await store.putDesired('dev-1', desired('1.1.0', 5, 'r1'), 10)).toMatchObject({ generation: 5 })
      // a caller whose clock went back still gets a newer generation
      expect(await store.putDesired('dev-1', desired('1.2.0', 2, 'r2'), 11)).toMatchObject({ generation: 6, active: { version: '1.2.0' } })
      await store.putDesired('dev-2', desired('1.1.0', 9, 'r1'), 12)
      const reopened = await harness.open()
      expect(await reopened.getDesired('dev-1')).toMatchObject({ deviceId: 'dev-1', updatedAt: 11, desired: { generation: 6, rolloutId: 'r2' } })
      expect((await reopened.listDesired({ rolloutId: 'r1' })).map((d) => d.deviceId)).toEqual(['dev-2'])
      expect((await reopened.listDesired()).map((d) => d.deviceId)).toEqual(['dev-1', 'dev-2'])
      expect(await reopened.getDesired('nobody')).toBeNull()
    })

    it('keeps the newest activation step per device and role, whatever order events arrive in', async () => {
      await store.recordDeployment('dev-1', deploy('1.1.0', 'download', 7, 'started'), 100, 1)
      await store.recordDeployment('dev-1', deploy('1.1.0', 'active', 7), 300, 2)
      // a resent older event does not win
      const kept = await store.recordDeployment('dev-1', deploy('1.1.0', 'self-test', 7), 200, 3)
      expect(kept).toMatchObject({ step: 'active', state: 'succeeded', generation: 7 })
      await store.recordDeployment('dev-1', { ...deploy('1.2.0', 'load', 8, 'failed'), role: 'shadow', code: 'MODEL_LOAD_FAILED', message: 'bad' }, 50, 4)
      const all = await store.listDeployments({ rolloutId: 'r1' })
      expect(all.map((d) => [d.role, d.model.version, d.step, d.state, d.code])).toEqual([['active', '1.1.0', 'active', 'succeeded', null], ['shadow', '1.2.0', 'load', 'failed', 'MODEL_LOAD_FAILED']])
      // a newer generation replaces, even with an older device clock
      await store.recordDeployment('dev-1', deploy('1.0.0', 'rollback', 9), 10, 5)
      expect((await store.listDeployments({ deviceIds: ['dev-1'] }))[0]).toMatchObject({ step: 'rollback', generation: 9 })
    })

    it('saves, replaces and lists rollouts newest first', async () => {
      const row = (id: string, createdAt: number, state = 'rolling') => ({ id, model: 'gas-sensor', version: '1.1.0', state, body: { waves: [1, 100], id }, createdAt, updatedAt: createdAt })
      await store.saveRollout(row('r1', 1))
      await store.saveRollout(row('r2', 2))
      await store.saveRollout({ ...row('r1', 1, 'completed'), updatedAt: 9 })
      expect(await store.getRollout('r1')).toEqual({ ...row('r1', 1, 'completed'), updatedAt: 9 })
      expect((await store.listRollouts()).map((r) => r.id)).toEqual(['r2', 'r1'])
      expect((await store.listRollouts({ states: ['rolling'] })).map((r) => r.id)).toEqual(['r2'])
      expect(await store.listRollouts({ model: 'other' })).toEqual([])
    })
  })

  describe('alert retention', () => {
    it('prunes old alerts but keeps the newest of each subject and those with a delivery pending', async () => {
      await store.insertAlert(alert('old-raise', { state: 'raised', ts: 1000, deviceId: 'pi-01' }), ['http://a.example/hook'])
      await store.insertAlert(alert('old-clear', { state: 'cleared', ts: 2000, deviceId: 'pi-01' }))
      await store.insertAlert(alert('new-raise', { state: 'raised', ts: 9000, deviceId: 'pi-01' }))
      await store.insertAlert(alert('pending', { state: 'raised', ts: 1500, deviceId: 'pi-02' }), ['http://a.example/hook'])
      await store.insertAlert(alert('pending-newer', { state: 'cleared', ts: 1600, deviceId: 'pi-02' }))
      await store.insertAlert(alert('only-one', { state: 'raised', ts: 100, scope: 'fleet' }))
      // old-raise's delivery is done: it may go; pi-02's first delivery is still pending: it stays
      const [due] = await store.dueWebhookDeliveries(Date.now(), 10)
      await store.recordWebhookAttempt(due!.id, { state: 'delivered', at: 3000, status: 204, error: null })
      expect(await store.pruneAlerts(5000)).toBe(2)
      expect(ids((await store.listAlerts()).alerts).sort()).toEqual(['new-raise', 'only-one', 'pending', 'pending-newer'])
      expect(await store.listWebhookDeliveries('old-raise')).toEqual([])
      expect(ids(await store.openAlerts()).sort()).toEqual(['new-raise', 'only-one'])
      expect(await store.pruneAlerts(5000)).toBe(0)
    })
  })

  describe('webhook outbox', () => {
    const HOOKS = ['http://a.example/hook', 'http://b.example/hook']

    it('queues one delivery per URL with the alert, due now, with the stored JSON as body', async () => {
      const a = alert('al-1')
      expect(await store.insertAlert(a, [...HOOKS, HOOKS[0]!])).toBe(true)
      // a repeated alert id queues nothing more
      expect(await store.insertAlert(a, HOOKS)).toBe(false)
      const due = await store.dueWebhookDeliveries(Date.now(), 10)
      expect(due.map((d) => [d.alertId, d.url, d.attempts])).toEqual([['al-1', HOOKS[0]], ['al-1', HOOKS[1]]].map((r) => [...r, 0]))
      expect(JSON.parse(due[0]!.body)).toEqual(a)
      expect(await store.dueWebhookDeliveries(Date.now(), 1)).toHaveLength(1)
      expect(await store.dueWebhookDeliveries(0, 10)).toEqual([])
      expect(await store.nextWebhookDueAt()).toBeLessThanOrEqual(Date.now())
    })

    it('records attempts: a retry waits until its time, delivered and failed ones are done', async () => {
      await store.insertAlert(alert('al-1'), HOOKS)
      const [a, b] = await store.dueWebhookDeliveries(Date.now(), 10)
      await store.recordWebhookAttempt(a!.id, { state: 'pending', nextAttemptAt: 10_000_000_000_000, at: 1, status: 503, error: 'HTTP 503' })
      await store.recordWebhookAttempt(b!.id, { state: 'delivered', at: 2, status: 204, error: null })
      expect(await store.dueWebhookDeliveries(Date.now(), 10)).toEqual([])
      expect(await store.nextWebhookDueAt()).toBe(10_000_000_000_000)
      expect((await store.dueWebhookDeliveries(10_000_000_000_000, 10)).map((d) => [d.id, d.attempts])).toEqual([[a!.id, 1]])
      await store.recordWebhookAttempt(a!.id, { state: 'failed', at: 3, status: null, error: 'connection refused' })
      expect(await store.nextWebhookDueAt()).toBeNull()
      expect(await store.listWebhookDeliveries('al-1')).toEqual([
        { id: a!.id, alertId: 'al-1', url: HOOKS[0], state: 'failed', attempts: 2, nextAttemptAt: 3, lastStatus: null, lastError: 'connection refused', createdAt: expect.any(Number), updatedAt: 3 },
        { id: b!.id, alertId: 'al-1', url: HOOKS[1], state: 'delivered', attempts: 1, nextAttemptAt: 2, lastStatus: 204, lastError: null, createdAt: expect.any(Number), updatedAt: 2 },
      ])
      expect(await store.listWebhookDeliveries('al-404')).toEqual([])
    })
  })

  describe('device revocation', () => {
    it('revokes a device: kept and listed with its events, marked revoked, its secret no longer works', async () => {
      const { secret } = await store.addDevice('pi-01')
      await store.recordEvent({ deviceId: 'pi-01', seq: 1, ts: 1, type: 'error', event: { type: 'error' } })
      const revoked = await store.revokeDevice('pi-01', 5000)
      expect(revoked).toMatchObject({ id: 'pi-01', revokedAt: 5000 })
      expect(await store.verifyDeviceSecret('pi-01', secret)).toBe(false)
      expect((await store.listDevices()).map((d) => [d.id, d.revokedAt])).toEqual([['pi-01', 5000]])
      expect(await store.listEvents('pi-01')).toHaveLength(1)
      // revoking again keeps the first time; a rotated secret of a revoked device does not work either
      expect((await store.revokeDevice('pi-01', 9000)).revokedAt).toBe(5000)
      expect(await store.verifyDeviceSecret('pi-01', await store.rotateDeviceSecret('pi-01'))).toBe(false)
      await expect(store.revokeDevice('pi-99', 1)).rejects.toMatchObject({ code: 'HUB_DEVICE_NOT_FOUND' })
    })
  })

  describe('claim tokens', () => {
    const spec = { name: 'batch-7', prefix: 'sensor', tags: { site: 'lab' }, maxUses: 2, expiresAt: 9_000 }

    it('adds a token with a secret shown once, lists it, verifies only its secret, refuses a second of the name', async () => {
      const { token, secret } = await store.addClaimToken(spec, 1000)
      expect(secret).toMatch(SECRET)
      expect(token).toEqual({ name: 'batch-7', prefix: 'sensor', tags: { site: 'lab' }, maxUses: 2, uses: 0, expiresAt: 9000, revokedAt: null, createdAt: 1000 })
      expect(await store.listClaimTokens()).toEqual([token])
      expect(await store.verifyClaimToken('batch-7', secret)).toBe(true)
      expect(await store.verifyClaimToken('batch-7', 'x'.repeat(43))).toBe(false)
      expect(await store.verifyClaimToken('batch-8', secret)).toBe(false)
      await expect(store.addClaimToken(spec)).rejects.toMatchObject({ code: 'HUB_CLAIM_TOKEN_EXISTS' })
      expect(await store.verifyClaimToken('batch-7', secret)).toBe(true)
    })

    it('claims a device per serial, counting one use each, until no use is left', async () => {
      await store.addClaimToken(spec)
      const first = await store.claimNewDevice({ tokenName: 'batch-7', serial: 'A1', deviceId: 'sensor-A1', tags: { site: 'lab' }, at: 2000 })
      expect(first.device).toMatchObject({ id: 'sensor-A1', tags: { site: 'lab' }, createdAt: 2000, claim: { token: 'batch-7', serial: 'A1' }, revokedAt: null })
      expect(await store.verifyDeviceSecret('sensor-A1', first.secret)).toBe(true)
      expect(await store.findClaimedDevice('batch-7', 'A1')).toEqual(first.device)
      expect(await store.findClaimedDevice('batch-7', 'A2')).toBeNull()
      await store.claimNewDevice({ tokenName: 'batch-7', serial: 'A2', deviceId: 'sensor-A2', tags: {}, at: 2000 })
      await expect(store.claimNewDevice({ tokenName: 'batch-7', serial: 'A3', deviceId: 'sensor-A3', tags: {}, at: 2000 })).rejects.toMatchObject({ code: 'HUB_CLAIM_TOKEN_USED_UP' })
      expect(await store.getDevice('sensor-A3')).toBeNull()
      expect((await store.getClaimToken('batch-7'))?.uses).toBe(2)
    })

    it('gives the last use to exactly one of concurrent claims', async () => {
      await store.addClaimToken({ ...spec, maxUses: 1 })
      const results = await Promise.allSettled(['A', 'B', 'C'].map((s) => store.claimNewDevice({ tokenName: 'batch-7', serial: s, deviceId: `sensor-${s}`, tags: {}, at: 1 })))
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      expect((await store.listDevices()).length).toBe(1)
    })

    it('refuses a taken device id without spending a use; re-issues a fresh secret to a claimed serial without spending one', async () => {
      await store.addClaimToken(spec)
      await store.addDevice('sensor-A1')
      await expect(store.claimNewDevice({ tokenName: 'batch-7', serial: 'A1', deviceId: 'sensor-A1', tags: {}, at: 1 })).rejects.toMatchObject({ code: 'HUB_DEVICE_EXISTS' })
      expect((await store.getClaimToken('batch-7'))?.uses).toBe(0)
      const made = await store.claimNewDevice({ tokenName: 'batch-7', serial: 'B1', deviceId: 'sensor-B1', tags: {}, at: 1 })
      const again = await store.reissueClaimedDevice('batch-7', 'B1')
      expect(again.device.id).toBe('sensor-B1')
      expect(await store.verifyDeviceSecret('sensor-B1', again.secret)).toBe(true)
      expect(await store.verifyDeviceSecret('sensor-B1', made.secret)).toBe(false)
      expect((await store.getClaimToken('batch-7'))?.uses).toBe(1)
      await expect(store.reissueClaimedDevice('batch-7', 'nobody')).rejects.toMatchObject({ code: 'HUB_DEVICE_NOT_FOUND' })
    })

    it('revokes a token once (the first time is kept); devices it made keep working', async () => {
      await store.addClaimToken(spec)
      const made = await store.claimNewDevice({ tokenName: 'batch-7', serial: 'A1', deviceId: 'sensor-A1', tags: {}, at: 1 })
      expect((await store.revokeClaimToken('batch-7', 3000)).revokedAt).toBe(3000)
      expect((await store.revokeClaimToken('batch-7', 4000)).revokedAt).toBe(3000)
      expect(await store.verifyDeviceSecret('sensor-A1', made.secret)).toBe(true)
      await expect(store.revokeClaimToken('nope', 1)).rejects.toMatchObject({ code: 'HUB_CLAIM_TOKEN_NOT_FOUND' })
    })
  })

  describe('persistence and schema', () => {
    it('keeps everything across close and reopen', async () => {
      const { secret } = await store.addDevice('pi-01', { site: 'lab' })
      const cred = await store.addCredential('operator', 'ci', 'operator')
      await store.updatePresence('pi-01', { online: true, at: 1000, model: MODEL })
      await store.recordEvent({ deviceId: 'pi-01', seq: 7, ts: 1, type: 'error', event: { type: 'error', code: 'X' } })
      await store.insertAlert(alert('al-1'), ['http://a.example/hook'])
      await store.acknowledgeAlert('al-1', { by: 'ops', at: 5 })
      const device = await store.getDevice('pi-01')
      await store.close()
      const reopened = await harness.open()
      expect(await reopened.getDevice('pi-01')).toEqual(device)
      expect(await reopened.verifyDeviceSecret('pi-01', secret)).toBe(true)
      expect(await reopened.verifyOperatorToken('ci', cred.secret)).toBe('operator')
      expect(await reopened.recordEvent({ deviceId: 'pi-01', seq: 7, ts: 2, type: 'error', event: {} })).toBe(false)
      expect(await reopened.getAlert('al-1')).toEqual({ alert: alert('al-1'), ack: { at: 5, by: 'ops', note: null } })
      // a pending webhook delivery survives the restart
      expect((await reopened.dueWebhookDeliveries(Date.now(), 10)).map((d) => d.alertId)).toEqual(['al-1'])
    })

    it('migrates once: a second open (even while the first is open) applies nothing again', async () => {
      await store.addDevice('pi-01')
      const second = await harness.open()
      expect(await harness.appliedVersions()).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1))
      expect((await second.listDevices()).map((d) => d.id)).toEqual(['pi-01'])
      // both handles write to the same data
      await second.addDevice('pi-02')
      expect((await store.listDevices()).map((d) => d.id)).toEqual(['pi-01', 'pi-02'])
    })

    it('refuses a database migrated by a newer edgefleet', async () => {
      await store.close()
      await harness.simulateNewerSchema()
      await expect(harness.open()).rejects.toMatchObject({ code: 'HUB_STORE_SCHEMA_NEWER', message: expect.stringMatching(/upgrade edgefleet/) })
    })
  })
})
