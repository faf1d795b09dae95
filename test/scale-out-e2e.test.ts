import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig } from '@edgefleet/hub'
import { INFLUXD_MISSING, influxdAvailable, POSTGRES_MISSING, postgresAvailable, startInfluxd, startPostgres, type TestInfluxd, type TestPostgres } from '@edgefleet/hub/testing'
import { deviceTopic, examples } from '@edgefleet/protocol'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { MOSQUITTO_MISSING, mosquittoAvailable, startMosquitto, type TestMosquitto } from './helpers/mosquitto.ts'

/**
 * Scale-out (docs/SCALE-OUT.md): two `edgefleet hub` processes, members of one MQTT 5 shared
 * subscription group on a private Mosquitto, with a PostgreSQL registry (and leader lease) and InfluxDB
 * telemetry. Light simulated devices publish protocol-valid predictions with increasing seq at QoS 1;
 * the leader is SIGKILLed mid-stream; the survivor takes the lease and the dead instance's session, and
 * every (device, seq) ends up in InfluxDB exactly once.
 */
const DEVICES = Array.from({ length: 40 }, (_, i) => `sim-${String(i).padStart(2, '0')}`)
const MESSAGES = 60
const ACL = `
pattern write ef/v1/dev/%u/status
pattern write ef/v1/dev/%u/pred
pattern write ef/v1/dev/%u/drift
pattern write ef/v1/dev/%u/samples
pattern write ef/v1/dev/%u/labels
pattern write ef/v1/dev/%u/events
pattern read ef/v1/dev/%u/desired
pattern read ef/v1/dev/%u/cmd

user hub
topic readwrite ef/v1/#
`
const HUB_PASSWORD = 'hub-secret'
const secretOf = (id: string): string => `secret-${id}`
const available = mosquittoAvailable() && postgresAvailable() && influxdAvailable()
const LONG = { timeout: 120_000, interval: 250 }

it('runs with Mosquitto, PostgreSQL and InfluxDB (required under CI)', (ctx) => {
  if (available) return
  const missing = [!mosquittoAvailable() && MOSQUITTO_MISSING, !postgresAvailable() && POSTGRES_MISSING, !influxdAvailable() && INFLUXD_MISSING].filter(Boolean).join('\n')
  if (process.env.CI === 'true') throw new Error(missing)
  ctx.skip(missing)
})

describe.runIf(available)('scale-out: two hub instances on one external broker', () => {
  let mosquitto: TestMosquitto
  let postgres: TestPostgres
  let influx: TestInfluxd
  let registryUrl: string
  let dataDir: string
  const hubs: HubProcess[] = []
  const devices: mqtt.MqttClient[] = []
  const database = 'ef_scale'

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ef-scale-out-'))
    const users = Object.fromEntries([['hub', HUB_PASSWORD], ...DEVICES.map((id) => [id, secretOf(id)])])
    // queued messages for a dead instance's session must not be dropped before the leader takes it over;
    // no use_username_as_clientid: it would put every hub instance (one user) on one client id (docs/SCALE-OUT.md)
    mosquitto = (await startMosquitto({ users, acl: ACL, config: ['max_queued_messages 0'] }))!
    postgres = (await startPostgres())!
    registryUrl = await postgres.createDatabase()
    influx = (await startInfluxd())!
    // the devices exist in the shared registry (the broker authenticates them; the hub ingests only known ones)
    const setup = await build({ config: loadHubConfig({ dataDir, registryUrl, logLevel: 'silent' }, {}) })
    for (const id of DEVICES) await setup.registry.addDevice(id)
    await setup.close()
    // the registry's URL holds its password: in a config file rather than the command line (ps shows it)
    writeFileSync(join(dataDir, 'registry.json'), JSON.stringify({ registryUrl }), { mode: 0o600 })
  }, 180_000)

  afterAll(async () => {
    await Promise.all(devices.splice(0).map((c) => c.endAsync(true)))
    for (const hub of hubs.splice(0)) await hub.stop('SIGKILL')
    await mosquitto?.stop()
    await influx?.stop()
    await postgres?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)

  async function startInstance(instanceId: string): Promise<HubProcess> {
    const hub = await startHubProcess({
      dataDir,
      ports: await freePorts(3),
      extraArgs: [
        '--broker', mosquitto.url, '--broker-username', 'hub', '--broker-password', HUB_PASSWORD,
        '--shared-group', 'ef-test', '--instance-id', instanceId, '--config', join(dataDir, 'registry.json'),
        // each instance spools to its own file in the shared data directory (telemetry-spool-<id>.db)
        '--telemetry', `${influx.url}/${database}`,
      ],
    })
    hubs.push(hub)
    return hub
  }

  const health = async (hub: HubProcess): Promise<{ role?: string; instanceId?: string }> => (await fetch(`${hub.httpUrl}/healthz`)).json() as Promise<{ role?: string }>
  const metric = async (hub: HubProcess, pattern: RegExp): Promise<number> => {
    const text = await (await fetch(`${hub.httpUrl}/metrics`)).text()
    return text.split('\n').filter((l) => pattern.test(l)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)
  }
  const storedPredictions = (hub: HubProcess): Promise<number> => metric(hub, /^edgefleet_messages_total\{channel="pred",outcome="stored"\}/)

  /** Every seq InfluxDB holds for one device, in order (one prediction per message). */
  async function seqsOf(id: string): Promise<number[]> {
    const q = encodeURIComponent(`SELECT seq FROM predictions WHERE device = '${id}'`)
    const body = await (await fetch(`${influx.url}/query?db=${database}&q=${q}`)).json() as { results: { series?: { values: [string, number][] }[] }[] }
    return (body.results[0]?.series?.[0]?.values ?? []).map((v) => v[1]).sort((a, b) => a - b)
  }

  /** One light device: MQTT.js, QoS 1, a protocol-valid predictions message per seq. */
  async function publishAll(id: string, from: number, to: number, pauseMs: number): Promise<void> {
    const client = await mqtt.connectAsync(mosquitto.url, { username: id, password: secretOf(id), clientId: id, reconnectPeriod: 500 })
    devices.push(client)
    for (let seq = from; seq <= to; seq++) {
      const ts = Date.now()
      const message = { ...examples.pred, deviceId: id, seq, ts, items: examples.pred.items.map((p) => ({ ...p, id: `${id}:${seq}`, ts })) }
      await client.publishAsync(deviceTopic(id, 'pred'), JSON.stringify(message), { qos: 1 })
      await new Promise((r) => setTimeout(r, pauseMs))
    }
  }

  it('splits the load across both, keeps ingesting when the leader is SIGKILLed, and stores every (device, seq) exactly once', async () => {
    const a = await startInstance('hub-a')
    const b = await startInstance('hub-b')
    // exactly one leader (a started first and took the lease)
    await expect.poll(async () => [(await health(a)).role, (await health(b)).role], LONG).toEqual(['leader', 'follower'])
    expect(await health(b)).toMatchObject({ instanceId: 'hub-b', broker: 'external' })
    expect(await metric(a, /^edgefleet_leader /)).toBe(1)
    expect(await metric(b, /^edgefleet_leader /)).toBe(0)

    // the first third, with both instances up
    const third = MESSAGES / 3
    await Promise.all(DEVICES.map((id) => publishAll(id, 1, third, 50)))
    const stored = async (): Promise<number> => (await Promise.all(DEVICES.map((id) => seqsOf(id)))).flat().length
    await expect.poll(stored, LONG).toBe(DEVICES.length * third)
    const shareA = await storedPredictions(a)
    const shareB = await storedPredictions(b)
    // the broker split the traffic: each instance ingested a real share
    expect(Math.min(shareA, shareB)).toBeGreaterThan(DEVICES.length * third * 0.2)

    // the rest, with the leader SIGKILLed in the middle of it
    const rest = Promise.all(DEVICES.map((id) => publishAll(id, third + 1, MESSAGES, 50)))
    await expect.poll(async () => storedPredictions(b), LONG).toBeGreaterThan(shareB + DEVICES.length * 2)
    await a.stop('SIGKILL')
    await rest

    // the survivor takes the lease and the dead instance's session (its last will told it)
    await expect.poll(async () => (await health(b)).role, LONG).toBe('leader')
    expect(await metric(b, /^edgefleet_leader /)).toBe(1)
    await expect.poll(async () => metric(b, /^edgefleet_session_takeovers_total\{outcome="(drained|no-session)"\}/), LONG).toBeGreaterThanOrEqual(1)
    // and ingests everything: no (device, seq) missing, none twice
    const expected = Array.from({ length: MESSAGES }, (_, i) => i + 1)
    await expect.poll(stored, LONG).toBe(DEVICES.length * MESSAGES)
    for (const id of DEVICES) expect(await seqsOf(id), id).toEqual(expected)
  }, 420_000)

  it('an instance stopped on purpose (SIGTERM) drains its own session first: nothing lost, nothing left for the leader', async () => {
    const b = hubs.find((h) => h.child.exitCode === null && h.child.signalCode === null)!
    expect((await health(b)).role).toBe('leader')
    const c = await startInstance('hub-c')
    expect((await health(c)).role).toBe('follower')
    const takeoversBefore = await metric(b, /^edgefleet_session_takeovers_total/)
    const group = DEVICES.slice(0, 10)
    const traffic = Promise.all(group.map((id) => publishAll(id, MESSAGES + 1, MESSAGES + 30, 50)))
    await expect.poll(async () => storedPredictions(c), LONG).toBeGreaterThan(10)
    expect(await c.stop('SIGTERM')).toBe(0)
    await traffic
    expect(c.logs()).not.toMatch(/could not drain this instance's session/)
    const expected = Array.from({ length: MESSAGES + 30 }, (_, i) => i + 1)
    await expect.poll(async () => (await Promise.all(group.map((id) => seqsOf(id)))).flat().length, LONG).toBe(group.length * (MESSAGES + 30))
    for (const id of group) expect(await seqsOf(id), id).toEqual(expected)
    // its state topic was cleared and its session ended: the leader had nothing to take over
    expect(await metric(b, /^edgefleet_session_takeovers_total/)).toBe(takeoversBefore)
  }, 300_000)
})
