import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { dataPaths, resolveDataDir } from '@edgefleet/models'
import mqtt from 'mqtt'
import { describe, expect, it } from 'vitest'
import { edgefleetJson, runAgent, runCli } from './helpers/agent-process.ts'
import { startAgent, type AgentChild } from './helpers/agent-child.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { perTestCleanup } from './helpers/per-test-cleanup.ts'

const batch1 = join(dataPaths(resolveDataDir()).gasSensor, 'batch1.csv')

const { defer, tempDir } = perTestCleanup()

interface DeviceJson {
  id: string
  online: boolean
  tags: Record<string, string>
  revokedAt?: number | null
  claim?: { token: string; serial: string } | null
}

async function api<T>(h: HubProcess, token: string, path: string): Promise<T> {
  const res = await fetch(`${h.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

const devices = async (h: HubProcess, token: string): Promise<DeviceJson[]> => (await api<{ devices: DeviceJson[] }>(h, token, '/devices')).devices
const onlineIds = async (h: HubProcess, token: string): Promise<string[]> => (await devices(h, token)).filter((d) => d.online).map((d) => d.id)
const storedPredictions = async (h: HubProcess, token: string, id: string): Promise<number> =>
  (await api<{ total: number }>(h, token, `/devices/${id}/predictions?from=${Date.now() - 86_400_000}&to=${Date.now() + 60_000}&every=86400000`)).total

/** The agent arguments of a device flashed with a claim token (the token itself goes in the environment). */
const flashedArgs = (h: HubProcess, serial: string, stateDir: string): string[] => [
  'run', '--model', 'gas-sensor', '--hub', h.mqttUrl, '--serial', serial, '--state-dir', stateDir,
  '--columns', 'gas,concentration,*', '--format', 'none', '--rate', '5', '--csv', batch1, '--log-level', 'info',
]

/** A long-running agent process flashed with the claim token. */
function flashedAgent(h: HubProcess, claimToken: string, serial: string, stateDir: string): AgentChild {
  const a = startAgent(flashedArgs(h, serial, stateDir), { env: { EDGEFLEET_CLAIM_TOKEN: claimToken } })
  defer(() => a.stop())
  return a
}

/** Connects as a device once: 'accepted', or the CONNACK return code that refused it. */
async function tryConnect(url: string, id: string, secret: string): Promise<'accepted' | number> {
  const client = mqtt.connect(url, { protocolVersion: 4, clientId: id, username: id, password: secret, reconnectPeriod: 0, clean: true })
  try {
    return await new Promise<'accepted' | number>((resolve, reject) => {
      client.once('connect', () => resolve('accepted'))
      client.once('error', (err) => (typeof (err as { code?: unknown }).code === 'number' ? resolve((err as unknown as { code: number }).code) : reject(err)))
    })
  } finally {
    await client.endAsync(true)
  }
}

const savedIdentity = (stateDir: string): { deviceId: string; secret: string; claimedWith: { serial: string } } =>
  JSON.parse(readFileSync(join(stateDir, 'identity.json'), 'utf8')) as { deviceId: string; secret: string; claimedWith: { serial: string } }

describe('fleet provisioning by claim token, with a real hub and real agent processes', () => {
  it('three agents flashed with one token claim their own devices; a fourth is refused; restarts reuse the identity; revoke and rotate cut devices off at once', async () => {
    const dataDir = tempDir('ef-provision-')
    const { token: admin } = await edgefleetJson<{ token: string }>(['token', 'add', 'ops', '--role', 'admin', '--data-dir', dataDir])
    const { token: claimToken } = await edgefleetJson<{ token: string }>([
      'claim-token', 'add', 'batch-7', '--prefix', 'sensor', '--tag', 'site=lab', '--max-uses', '3', '--expires', '1d', '--data-dir', dataDir,
    ])
    const h = await startHubProcess({ dataDir, ports: await freePorts(3) })
    defer(() => h.stop('SIGKILL'))
    const stateDirs = Object.fromEntries(['s1', 's2', 's3', 's4'].map((s) => [s, join(dataDir, `agent-${s}`)]))

    // three devices of the batch, one token: each claims its own identity and goes online
    const agents = Object.fromEntries(['s1', 's2', 's3'].map((s) => [s, flashedAgent(h, claimToken, s, stateDirs[s]!)]))
    await expect.poll(() => onlineIds(h, admin), { timeout: 60_000, interval: 250 }).toEqual(['sensor-s1', 'sensor-s2', 'sensor-s3'])
    for (const d of await devices(h, admin)) {
      expect(d.tags).toEqual({ site: 'lab' })
      expect(d.claim).toEqual({ token: 'batch-7', serial: d.id.slice('sensor-'.length) })
    }
    // their predictions are stored under their own ids
    for (const id of ['sensor-s1', 'sensor-s2', 'sensor-s3']) {
      await expect.poll(() => storedPredictions(h, admin, id), { timeout: 30_000, interval: 250 }).toBeGreaterThan(0)
    }
    // each saved its identity for itself only, with the hub's key
    for (const s of ['s1', 's2', 's3']) {
      expect(statSync(join(stateDirs[s]!, 'identity.json')).mode & 0o777).toBe(0o600)
      expect(savedIdentity(stateDirs[s]!)).toMatchObject({ deviceId: `sensor-${s}`, claimedWith: { serial: s } })
      expect(readFileSync(join(stateDirs[s]!, 'hub-public-key.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY')
    }

    // a fourth device: the token is used up
    const fourth = await runAgent(flashedArgs(h, 's4', stateDirs.s4!), { env: { EDGEFLEET_CLAIM_TOKEN: claimToken } })
    expect(fourth.code).toBe(1)
    expect(fourth.stderr).toContain('AGENT_CLAIM_REFUSED')
    expect(fourth.stderr).toContain('PROVISION_TOKEN_USED_UP')
    expect(fourth.stderr).not.toContain(claimToken.split('.')[1]!)

    // a restarted agent reuses its saved identity: no new device, no use spent
    await agents.s1!.stop()
    const firstSecret = savedIdentity(stateDirs.s1!).secret
    agents.s1 = flashedAgent(h, claimToken, 's1', stateDirs.s1!)
    await expect.poll(() => agents.s1!.stderr, { timeout: 30_000, interval: 250 }).toContain('using the identity this device claimed before')
    await expect.poll(() => onlineIds(h, admin), { timeout: 30_000, interval: 250 }).toContain('sensor-s1')
    expect(savedIdentity(stateDirs.s1!).secret).toBe(firstSecret)
    // one that lost its identity (say it crashed before saving) asks again: the same device, a fresh secret, no use spent
    await agents.s1!.stop()
    rmSync(join(stateDirs.s1!, 'identity.json'))
    agents.s1 = flashedAgent(h, claimToken, 's1', stateDirs.s1!)
    await expect.poll(() => agents.s1!.stderr, { timeout: 30_000, interval: 250 }).toContain('claimed an identity from the hub')
    await expect.poll(() => onlineIds(h, admin), { timeout: 30_000, interval: 250 }).toContain('sensor-s1')
    expect(savedIdentity(stateDirs.s1!)).toMatchObject({ deviceId: 'sensor-s1' })
    expect(savedIdentity(stateDirs.s1!).secret).not.toBe(firstSecret)
    expect((await devices(h, admin)).map((d) => d.id)).toEqual(['sensor-s1', 'sensor-s2', 'sensor-s3'])
    const [listed] = await edgefleetJson<{ name: string; uses: number; remaining: number }[]>(['claim-token', 'list', '--data-dir', dataDir])
    expect(listed).toMatchObject({ name: 'batch-7', uses: 3, remaining: 0 })

    // revoke: disconnected at once, refused after, still listed with its data
    const s2 = savedIdentity(stateDirs.s2!)
    const revoked = await runCli('hub/src/cli/main.ts', ['device', 'revoke', 'sensor-s2', '--hub', h.httpUrl, '--json'], { env: { EDGEFLEET_TOKEN: admin } })
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: 'sensor-s2', revokedAt: expect.any(Number) })
    const s2Exit = await agents.s2!.exited
    expect(s2Exit.code).toBe(1)
    expect(s2Exit.stderr).toContain('AGENT_HUB_AUTH_FAILED')
    await expect.poll(() => onlineIds(h, admin), { timeout: 10_000, interval: 250 }).not.toContain('sensor-s2')
    expect(await tryConnect(h.mqttUrl, 'sensor-s2', s2.secret)).toBe(4)
    const s2Device = await api<DeviceJson>(h, admin, '/devices/sensor-s2')
    expect(s2Device.revokedAt).toEqual(expect.any(Number))
    expect(await storedPredictions(h, admin, 'sensor-s2')).toBeGreaterThan(0)

    // rotate through the hub: the connection made with the old secret is dropped, the old secret refused, the new one works
    const s3 = savedIdentity(stateDirs.s3!)
    const rotated = await runCli('hub/src/cli/main.ts', ['device', 'rotate-secret', 'sensor-s3', '--hub', h.httpUrl, '--token', admin, '--json'])
    expect(rotated.code, rotated.stderr).toBe(0)
    const { secret: newSecret } = JSON.parse(rotated.stdout) as { secret: string }
    const s3Exit = await agents.s3!.exited
    expect(s3Exit.code).toBe(1)
    expect(s3Exit.stderr).toContain('AGENT_HUB_AUTH_FAILED')
    expect(await tryConnect(h.mqttUrl, 'sensor-s3', s3.secret)).toBe(4)
    expect(await tryConnect(h.mqttUrl, 'sensor-s3', newSecret)).toBe('accepted')

    // the hub counted the claims by outcome
    const metrics = await (await fetch(`${h.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/edgefleet_claims_total\{outcome="created"\} 3/)
    expect(metrics).toMatch(/edgefleet_claims_total\{outcome="reissued"\} 1/)
    expect(metrics).toMatch(/edgefleet_claims_total\{outcome="PROVISION_TOKEN_USED_UP"\} 1/)
  }, 240_000)
})
