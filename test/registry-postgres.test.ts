import mqtt from 'mqtt'
import { PgRegistry } from '@edgefleet/hub'
import { POSTGRES_MISSING, postgresAvailable, startPostgres, type TestPostgres } from '@edgefleet/hub/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/agent-process.ts'
import { freePorts, startHubProcess } from './helpers/hub-process.ts'
import { perTestCleanup } from './helpers/per-test-cleanup.ts'

/**
 * The hub and its CLI on a PostgreSQL registry (--registry-url / EDGEFLEET_REGISTRY_URL): what an
 * operator adds with the CLI is what the running hub checks devices against. The store itself is
 * covered by hub/src/registry/registry.contract.test.ts.
 */

it('runs the PostgreSQL registry tests (required under CI)', (ctx) => {
  if (postgresAvailable()) return
  if (process.env.CI === 'true') throw new Error(POSTGRES_MISSING)
  ctx.skip(POSTGRES_MISSING)
})

// each CLI run and hub start is a fresh tsx process (seconds on a busy machine): generous timeouts
describe.runIf(postgresAvailable())('registry on PostgreSQL', { timeout: 300_000 }, () => {
  const cleanup = perTestCleanup()
  let server: TestPostgres
  beforeAll(async () => {
    server = (await startPostgres())!
  }, 120_000)
  afterAll(() => server?.stop(), 60_000)

  const edgefleet = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli('hub/src/cli/main.ts', args, { env })

  it('registry commands take --registry-url or EDGEFLEET_REGISTRY_URL, and leave the SQLite registry in --data-dir alone', async () => {
    const url = await server.createDatabase()
    const dir = cleanup.tempDir('edgefleet-pg-cli-')
    const added = await edgefleet(['device', 'add', 'pi-01', '--tag', 'site=lab', '--registry-url', url, '--data-dir', dir, '--json'])
    expect(added.code, added.stderr).toBe(0)
    const { secret } = JSON.parse(added.stdout) as { secret: string }
    const token = await edgefleet(['token', 'add', 'ops', '--role', 'viewer', '--data-dir', dir, '--json'], { EDGEFLEET_REGISTRY_URL: url })
    expect(token.code, token.stderr).toBe(0)

    const listed = await edgefleet(['device', 'list', '--data-dir', dir, '--json'], { EDGEFLEET_REGISTRY_URL: url })
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as { id: string; tags: unknown }[]).map((d) => [d.id, d.tags])).toEqual([['pi-01', { site: 'lab' }]])
    // without the flag or the environment, the data directory's own (SQLite) registry: empty
    const local = await edgefleet(['device', 'list', '--data-dir', dir, '--json'], { EDGEFLEET_REGISTRY_URL: '' })
    expect(JSON.parse(local.stdout)).toEqual([])

    const registry = await PgRegistry.open(url)
    cleanup.defer(() => registry.close())
    expect(await registry.verifyDeviceSecret('pi-01', secret)).toBe(true)
    expect((await registry.listCredentials('operator')).map((c) => [c.name, c.role])).toEqual([['ops', 'viewer']])
  })

  it('a hub on the PostgreSQL registry accepts the devices the CLI added there, and refuses wrong secrets', async () => {
    const url = await server.createDatabase()
    const dir = cleanup.tempDir('edgefleet-pg-hub-')
    const added = await edgefleet(['device', 'add', 'pi-01', '--registry-url', url, '--data-dir', dir, '--json'])
    expect(added.code, added.stderr).toBe(0)
    const { secret } = JSON.parse(added.stdout) as { secret: string }
    const token = JSON.parse((await edgefleet(['token', 'add', 'ops', '--role', 'viewer', '--registry-url', url, '--data-dir', dir, '--json'])).stdout) as { token: string }

    const hub = await startHubProcess({ dataDir: dir, ports: await freePorts(3), extraArgs: ['--registry-url', url] })
    cleanup.defer(() => hub.stop())
    const device = await mqtt.connectAsync(hub.mqttUrl, { username: 'pi-01', password: secret, clientId: 'pi-01', reconnectPeriod: 0 })
    cleanup.defer(() => device.endAsync())
    await expect(mqtt.connectAsync(hub.mqttUrl, { username: 'pi-01', password: `${secret}x`, clientId: 'pi-01-bad', reconnectPeriod: 0 }))
      .rejects.toThrow(/Bad username or password|Not authorized/)

    // the hub records the connection in the PostgreSQL registry: the REST API (same store) shows it
    const fetchDevice = async (): Promise<unknown> =>
      (await fetch(`${hub.httpUrl}/api/v1/devices/pi-01`, { headers: { authorization: `Bearer ${token.token}` } })).json()
    await expect.poll(fetchDevice, { timeout: 60_000, interval: 200 }).toMatchObject({ id: 'pi-01', online: true, firstSeen: expect.any(Number) })
  })

  it('a hub whose registry cannot be reached says so and what to check, without the password', async () => {
    const [port] = await freePorts(1)
    const dir = cleanup.tempDir('edgefleet-pg-down-')
    const r = await edgefleet(['hub', '--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--ws-port', '0'], {
      EDGEFLEET_REGISTRY_URL: `postgres://hub:pg-s3cret@127.0.0.1:${port}/fleet`,
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/HUB_REGISTRY_UNREACHABLE.*postgres:\/\/hub:\*\*\*@127\.0\.0\.1.*check that PostgreSQL is running/)
    expect(r.stdout + r.stderr).not.toContain('pg-s3cret')
  })
})
