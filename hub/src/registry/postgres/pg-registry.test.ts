import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePorts } from '../../test-support/free-ports.ts'
import { postgresAvailable, startPostgres, type TestPostgres } from '../../test-support/test-postgres.ts'
import { MIGRATIONS } from '../migrations.ts'
import { PG_MIGRATIONS } from './pg-migrations.ts'
import { PgRegistry } from './pg-registry.ts'
import { parseRegistryUrl, redactUrl } from './pg-url.ts'

/** What PostgreSQL adds to the registry contract (registry.contract.test.ts runs the rest on both stores). */

it('keeps its migrations in step with SQLite’s: the same versions and names', () => {
  expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]))
})

describe('registry URLs', () => {
  it('hide the password in what they show', () => {
    expect(redactUrl('postgres://hub:s3cret@db.example:5432/fleet')).toBe('postgres://hub:***@db.example:5432/fleet')
    expect(redactUrl('postgres://db.example/fleet?password=s3cret')).not.toContain('s3cret')
    expect(redactUrl('postgres://hub:s3cret@[broken')).not.toContain('s3cret')
    expect(parseRegistryUrl('postgresql://hub:s3cret@db.example/fleet').display).toBe('postgresql://hub:***@db.example/fleet')
  })

  it.each([
    ['not a url', /not a URL/],
    ['mysql://hub:s3cret@db.example/fleet', /not postgres/],
    ['postgres://hub:s3cret@db.example', /no database/],
    ['postgres://hub:s3cret@db.example/', /no database/],
  ])('refuses %j, saying what a good one looks like, without its password', async (url, why) => {
    const err = await PgRegistry.open(url).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'HUB_REGISTRY_URL_INVALID', message: expect.stringMatching(why) })
    expect((err as Error).message).toMatch(/postgres:\/\/user:password@host:5432\/database/)
    expect((err as Error).message).not.toContain('s3cret')
  })

  it('reports a server nobody listens on as unreachable, says what to check, and never shows the password', async () => {
    const [port] = await freePorts(1)
    const err = await PgRegistry.open(`postgres://hub:s3cret@127.0.0.1:${port}/fleet`, { connectTimeoutMs: 5000 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'HUB_REGISTRY_UNREACHABLE', statusCode: 503, message: expect.stringMatching(/check that PostgreSQL is running/) })
    expect((err as Error).message).toContain(`postgres://hub:***@127.0.0.1:${port}/fleet`)
    expect((err as Error).message).not.toContain('s3cret')
  })
})

describe.runIf(postgresAvailable())('PgRegistry on a real server', () => {
  let server: TestPostgres
  beforeAll(async () => {
    server = (await startPostgres())!
  }, 120_000)
  afterAll(() => server?.stop(), 60_000)

  const withPassword = (url: string, password: string): string => {
    const u = new URL(url)
    u.password = password
    return u.toString()
  }

  it('refuses a wrong password as a refused login', async () => {
    const url = withPassword(await server.createDatabase(), 'wrong-password')
    const err = await PgRegistry.open(url).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'HUB_REGISTRY_UNREACHABLE', message: expect.stringMatching(/refused the login.*check the user and password/) })
    expect((err as Error).message).not.toContain('wrong-password')
  })

  it('names a missing database and how to create it', async () => {
    const u = new URL(server.url)
    u.pathname = '/no_such_fleet'
    await expect(PgRegistry.open(u.toString())).rejects.toMatchObject({ code: 'HUB_REGISTRY_UNREACHABLE', message: expect.stringMatching(/no_such_fleet.*create it/) })
  })

  it('migrates once when several hub instances open a fresh database at the same moment', async () => {
    const url = await server.createDatabase()
    const stores = await Promise.all(Array.from({ length: 4 }, () => PgRegistry.open(url, { poolSize: 2 })))
    try {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      const { rows } = await client.query<{ version: number; n: string }>('SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version')
      await client.end()
      expect(rows.map((r) => [r.version, Number(r.n)])).toEqual(MIGRATIONS.map((m) => [m.version, 1]))
      // and they share the data
      await stores[0]!.addDevice('pi-01')
      expect((await stores[3]!.listDevices()).map((d) => d.id)).toEqual(['pi-01'])
    } finally {
      for (const s of stores) await s.close()
    }
  })

  it('keeps registries in different schemas of one database apart', async () => {
    const url = await server.createDatabase()
    const a = await PgRegistry.open(url, { schema: 'fleet_a' })
    const b = await PgRegistry.open(url, { schema: 'fleet_b' })
    try {
      await a.addDevice('pi-01')
      expect(await b.listDevices()).toEqual([])
      await b.addDevice('pi-01')
      expect((await a.listDevices()).map((d) => d.id)).toEqual(['pi-01'])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('reports a server that went away as unreachable, survives the dropped connections, and works again once it is back', async () => {
    // a server of its own: this test crashes it
    const own = (await startPostgres())!
    const registry = await PgRegistry.open(await own.createDatabase(), { connectTimeoutMs: 3000 })
    try {
      const { secret } = await registry.addDevice('pi-01')
      await own.control!.kill()
      await expect(registry.getDevice('pi-01')).rejects.toMatchObject({ code: 'HUB_REGISTRY_UNREACHABLE' })
      await expect(registry.addDevice('pi-02')).rejects.toMatchObject({ code: 'HUB_REGISTRY_UNREACHABLE' })
      await own.control!.restart()
      // what was committed before the crash is there; the pool replaced its dead connections
      expect(await registry.verifyDeviceSecret('pi-01', secret)).toBe(true)
      await registry.addDevice('pi-02')
      expect((await registry.listDevices()).map((d) => d.id)).toEqual(['pi-01', 'pi-02'])
    } finally {
      await registry.close()
      await own.stop()
    }
  }, 120_000)
})
