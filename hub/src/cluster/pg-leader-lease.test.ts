import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePorts } from '../test-support/free-ports.ts'
import { postgresAvailable, startPostgres, type TestPostgres } from '../test-support/test-postgres.ts'
import { PgLeaderLease } from './pg-leader-lease.ts'
import { SingletonWork } from './singleton-work.ts'

const quiet = { info: () => {}, warn: () => {} }
const POLL = { timeout: 30_000, interval: 50 }

it('is no leader while PostgreSQL cannot be reached, and keeps trying without throwing', async () => {
  const [port] = await freePorts(1)
  const lease = new PgLeaderLease({ url: `postgres://hub:pw@127.0.0.1:${port}/fleet`, name: 'unreachable', retryMs: 50, logger: quiet })
  await lease.start()
  expect(lease.isLeader()).toBe(false)
  await lease.close()
})

describe.runIf(postgresAvailable())('PgLeaderLease on a real PostgreSQL', () => {
  let server: TestPostgres
  let url: string
  const leases: PgLeaderLease[] = []
  beforeAll(async () => {
    server = (await startPostgres())!
    url = await server.createDatabase()
  }, 120_000)
  afterEach(async () => {
    for (const l of leases.splice(0)) await l.close()
  })
  afterAll(() => server?.stop(), 60_000)

  const lease = (name = 'group-a'): PgLeaderLease => {
    const l = new PgLeaderLease({ url, name, retryMs: 100, logger: quiet })
    leases.push(l)
    return l
  }

  it('lets exactly one of several instances lead; another group has its own leader', async () => {
    const [a, b, c] = [lease(), lease(), lease()]
    const other = lease('group-b')
    await Promise.all([a.start(), b.start(), c.start(), other.start()])
    await expect.poll(() => [a, b, c].filter((l) => l.isLeader()).length, POLL).toBe(1)
    expect(other.isLeader()).toBe(true)
  })

  it('hands the lease to another instance when the leader closes, and tells the listeners', async () => {
    const [a, b] = [lease(), lease()]
    const seen: boolean[] = []
    b.onChange((leader) => seen.push(leader))
    await a.start()
    await b.start()
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false])
    await a.close()
    await expect.poll(() => b.isLeader(), POLL).toBe(true)
    expect(seen).toEqual([true])
  })

  it('a leader whose session PostgreSQL ends steps down, and the lease moves on', async () => {
    const [a, b] = [lease(), lease()]
    await a.start()
    await b.start()
    expect(a.isLeader()).toBe(true)
    // what a dead or cut-off leader looks like from the server: its session ends, and the lock with it
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'edgefleet-lease-group-a' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)")
    await admin.end()
    await expect.poll(() => b.isLeader(), POLL).toBe(true)
    await expect.poll(() => a.isLeader(), POLL).toBe(false)
  })

  it('the once-only work follows the lease: it starts on the instance that wins it and stops when that one lets go', async () => {
    const [a, b] = [lease('group-c'), lease('group-c')]
    const log: string[] = []
    const work = new SingletonWork({ lease: b, steps: [{ name: 'rollouts', start: () => void log.push('start'), stop: () => void log.push('stop') }], logger: { info: () => {}, error: () => {} } })
    await a.start()
    await b.start()
    work.attach()
    await work.settled()
    expect(log).toEqual([])
    await a.close()
    await expect.poll(() => log, POLL).toEqual(['start'])
    await b.close()
    await work.settled()
    expect(log).toEqual(['start', 'stop'])
    await work.close()
  })
})
