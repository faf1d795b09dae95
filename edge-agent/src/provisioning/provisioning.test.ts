import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadRunConfig } from '../cli/run-config.ts'
import { silentLogger } from '../errors.ts'
import { parseClaimToken } from './claim-token.ts'
import { resolveDeviceIdentity, usesClaim } from './device-identity.ts'
import { identityPath, readIdentity, saveIdentity, type SavedIdentity } from './identity-file.ts'

const TOKEN = 'batch-7.AbCdEf_-0123456789abcdefghijklmnopqrstuvwxyz0'
const PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n'
const identity: SavedIdentity = {
  v: 1, deviceId: 'sensor-s1', secret: 'device-secret', hubPublicKey: { alg: 'ed25519', keyId: 'k1', pem: PEM },
  claimedWith: { token: 'batch-7', serial: 's1' }, claimedAt: 1,
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ef-identity-'))
  dirs.push(d)
  return d
}

describe('claim token settings', () => {
  it('splits <name>.<secret> at the last dot; refuses anything else without echoing it', () => {
    expect(parseClaimToken('a.b.secret_-1')).toEqual({ name: 'a.b', secret: 'secret_-1' })
    for (const bad of ['nodot', '.secret', 'name.', 'na me.secret', '_x.secret']) {
      expect(() => parseClaimToken(bad), bad).toThrow(/--claim-token must be <name>.<secret>/)
    }
  })

  it('--hub takes a claim token instead of an id and secret, from a flag, the environment or a config file', () => {
    const base = { model: 'gas-sensor', csv: ['a.csv'], hub: 'mqtt://hub:1883' }
    expect(loadRunConfig({ ...base, claimToken: TOKEN, serial: 'SN:42' }, {})).toMatchObject({ claimToken: TOKEN, serial: 'SN:42' })
    expect(loadRunConfig(base, { EDGEFLEET_CLAIM_TOKEN: TOKEN }).claimToken).toBe(TOKEN)
    const file = join(tempDir(), 'agent.json')
    writeFileSync(file, JSON.stringify({ ...base, claimToken: TOKEN }))
    expect(loadRunConfig({ config: file }, {}).claimToken).toBe(TOKEN)
    expect(() => loadRunConfig(base, {})).toThrow(/--claim-token/)
    const secret = 'not-a-token secret'
    expect(() => loadRunConfig({ ...base, claimToken: secret }, {})).toThrow(/<name>.<secret>/)
    expect(() => loadRunConfig({ ...base, claimToken: secret }, {})).not.toThrow(new RegExp(secret))
    expect(() => loadRunConfig({ ...base, claimToken: TOKEN, serial: 'has space' }, {})).toThrow(/--serial/)
  })

  it('claims only with --hub, a token, and no configured id and secret', () => {
    expect(usesClaim({ hub: 'mqtt://h', claimToken: TOKEN })).toBe(true)
    expect(usesClaim({ hub: 'mqtt://h', claimToken: TOKEN, deviceId: 'pi-01', secret: 's' })).toBe(false)
    expect(usesClaim({ claimToken: TOKEN })).toBe(false)
    expect(usesClaim({ hub: 'mqtt://h' })).toBe(false)
  })
})

describe('the saved identity', () => {
  it('is saved for its owner only (0600) and read back; none saved is null', async () => {
    const dir = join(tempDir(), 'state')
    expect(await readIdentity(dir)).toBeNull()
    await saveIdentity(dir, identity)
    expect(statSync(identityPath(dir)).mode & 0o777).toBe(0o600)
    expect(await readIdentity(dir)).toEqual(identity)
  })

  it('a damaged file is an error that says how to recover', async () => {
    const dir = tempDir()
    writeFileSync(identityPath(dir), '{"v":1,')
    await expect(readIdentity(dir)).rejects.toMatchObject({ code: 'AGENT_OUTBOX_FAILED', message: expect.stringMatching(/remove it to claim again/) })
  })

  it('a later start uses the saved identity and its hub key, and never the token', async () => {
    const dir = tempDir()
    await saveIdentity(dir, identity)
    // a hub nobody listens on: a claim would never be answered
    const config = loadRunConfig({ model: 'gas-sensor', csv: ['a.csv'], hub: 'mqtt://127.0.0.1:1', claimToken: TOKEN, stateDir: dir }, {})
    const resolved = await resolveDeviceIdentity(config, silentLogger)
    expect(resolved).toMatchObject({ deviceId: 'sensor-s1', secret: 'device-secret', stateDir: dir, hubPublicKey: join(dir, 'hub-public-key.pem') })
    expect(readFileSync(resolved.hubPublicKey!, 'utf8')).toBe(PEM)
    // a configured key wins over the saved one
    expect((await resolveDeviceIdentity({ ...config, hubPublicKey: '/etc/hub.pem' }, silentLogger)).hubPublicKey).toBe('/etc/hub.pem')
  })
})
