import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePorts } from './free-ports.ts'

/** A reachable PostgreSQL server for tests, and fresh databases in it. */
export interface TestPostgres {
  /** the server's maintenance database, e.g. `postgres://edgefleet:…@127.0.0.1:41234/postgres` */
  url: string
  /** creates an empty database for one test (or harness) and returns its URL; stop() drops it */
  createDatabase(): Promise<string>
  /** drops the databases this helper made; stops the server it started (a no-op for an external one) and removes its files */
  stop(): Promise<void>
  /**
   * Chaos controls of a private server (undefined for an external one): `kill` stops it at once the way
   * a crash does (SIGQUIT: no checkpoint, connections cut; its data stays), `restart` starts it again on
   * the same port and data (crash recovery runs) and resolves once it takes connections.
   */
  control?: { kill(): Promise<void>; restart(): Promise<void> }
}

/** Why no PostgreSQL is available, for the message of a test that must fail under CI. */
export const POSTGRES_MISSING =
  'PostgreSQL is not available: install it (`apt-get install -y postgresql`, as `.ci/run` does) ' +
  'or set EDGEFLEET_TEST_POSTGRES_URL to a running PostgreSQL whose user may CREATE DATABASE (e.g. postgres://postgres:secret@127.0.0.1:5432/postgres)'

const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 15_000
const USER = 'edgefleet'

/** The directory of initdb and postgres (newest installed major version), or null. */
function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const dir = join(root, v, 'bin')
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir
  }
  return null
}

/** PostgreSQL refuses to run as root: then its files and process belong to the `postgres` system user. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, and there is no `postgres` system user to run PostgreSQL as (it refuses root): create one, or run the tests as another user')
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/** true when PostgreSQL binaries are installed or EDGEFLEET_TEST_POSTGRES_URL names a server. */
export function postgresAvailable(): boolean {
  if (process.env.EDGEFLEET_TEST_POSTGRES_URL) return true
  return postgresBinDir() !== null
}

/**
 * A PostgreSQL for one test file: the server named by EDGEFLEET_TEST_POSTGRES_URL when set (CI may start
 * one), otherwise a private `postgres` on a free loopback port with its data (fsync off) and its unix
 * socket in a temp directory. Resolves null when neither exists. Give each test its own database
 * ({@link TestPostgres.createDatabase}).
 */
export async function startPostgres(): Promise<TestPostgres | null> {
  const external = process.env.EDGEFLEET_TEST_POSTGRES_URL
  if (external) {
    await waitForServer(external, null)
    return withDatabases(external, null)
  }
  const bin = postgresBinDir()
  if (!bin) return null

  const owner = serverUser()
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-postgres-'))
  const data = join(dir, 'data')
  const password = randomBytes(12).toString('base64url')
  const pwfile = join(dir, 'pwfile')
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 })
  if (owner) {
    chownSync(dir, owner.uid, owner.gid)
    chownSync(pwfile, owner.uid, owner.gid)
  }
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {}
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', USER, '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    ...asOwner, cwd: dir, encoding: 'utf8',
  })
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.stdout}`)
  }
  const [port] = (await freePorts(1)) as [number]
  let stderr = ''
  const spawnServer = (): ChildProcess => {
    const c = spawn(join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
      // a test server: durability across an OS crash is not the point, and several run at once on a small machine
      '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=200',
    ], { ...asOwner, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
    c.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000)
    })
    return c
  }
  let child = spawnServer()
  // a test process that dies without calling stop() must not leave postgres behind
  const killOnExit = (): void => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', killOnExit)
  const url = `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`
  const shutdown = async (): Promise<void> => {
    process.off('exit', killOnExit)
    await stopProcess(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitForServer(url, child)
  } catch (err) {
    await shutdown()
    throw new Error(`postgres did not start: ${(err as Error).message}\n${stderr}`, { cause: err })
  }
  const control: NonNullable<TestPostgres['control']> = {
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGQUIT')
      await exited
    },
    async restart() {
      await control.kill()
      child = spawnServer()
      await waitForServer(url, child)
    },
  }
  return { ...withDatabases(url, shutdown), control }
}

/** Adds createDatabase to a server; `shutdown` stops a private one (null: an external server, whose made databases stop() drops). */
function withDatabases(url: string, shutdown: (() => Promise<void>) | null): TestPostgres {
  const run = randomBytes(4).toString('hex')
  const made: string[] = []
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    url,
    async createDatabase() {
      const name = `edgefleet_test_${run}_${made.length + 1}`
      await admin((c) => c.query(`CREATE DATABASE ${name}`))
      made.push(name)
      const u = new URL(url)
      u.pathname = `/${name}`
      return u.toString()
    },
    async stop() {
      // a private server goes with its files; an external one keeps only what it had
      if (shutdown) return shutdown()
      const names = made.splice(0)
      if (names.length === 0) return
      await admin(async (c) => {
        for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      })
    },
  }
}

async function waitForServer(url: string, child: ChildProcess | null): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`)
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      await client.end()
      return
    } catch (err) {
      last = (err as Error).message
      await client.end().catch(() => {})
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`PostgreSQL did not accept a connection within ${READY_TIMEOUT_MS} ms (${last})`)
}

/** SIGINT is PostgreSQL's fast shutdown: sessions are ended, no waiting for clients to leave. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGINT')
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS)
  })
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
  }
  clearTimeout(timer)
}
