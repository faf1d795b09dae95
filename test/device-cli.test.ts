import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hubPaths } from '@edgefleet/hub'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
// not (yet) on the hub's public entry point; the test checks what the CLI wrote with the real store
import { SqliteRegistry } from '@edgefleet/hub'
import { runCli } from './helpers/agent-process.ts'

const SECRET = /[A-Za-z0-9_-]{43}/

// each run is a fresh tsx process (seconds on a busy machine); generous, so slowness never fails a test
describe('edgefleet device / subscriber / token', { timeout: 300_000 }, () => {
  let dir: string
  const edgefleet = (...args: string[]) => runCli('hub/src/cli/main.ts', [...args, '--data-dir', dir])
  const withRegistry = async <T>(fn: (r: SqliteRegistry) => Promise<T>): Promise<T> => {
    const registry = await SqliteRegistry.open(hubPaths(dir).registry)
    try {
      return await fn(registry)
    } finally {
      await registry.close()
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgefleet-device-cli-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('adds a device and prints its secret once, which the registry then accepts', async () => {
    const r = await edgefleet('device', 'add', 'pi-01', '--tag', 'site=lab', '--tag', 'role=gas')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('pi-01')
    expect(r.stdout).toContain('Store it now; the hub keeps only a hash')
    const secret = /^ +secret[^:]*: (\S+)$/m.exec(r.stdout)?.[1] ?? ''
    expect(secret).toMatch(SECRET)
    expect(r.stdout.split(secret)).toHaveLength(2) // printed exactly once
    expect(await withRegistry((reg) => reg.verifyDeviceSecret('pi-01', secret))).toBe(true)
    expect(await withRegistry((reg) => reg.getDevice('pi-01'))).toMatchObject({ tags: { site: 'lab', role: 'gas' } })
    // the hub keeps only a hash: the secret is nowhere in its files
    expect(readFileSync(hubPaths(dir).registry).includes(secret)).toBe(false)
  })

  it('prints the new device as JSON for scripts', async () => {
    const r = await edgefleet('device', 'add', 'pi-01', '--json')
    expect(r.code, r.stderr).toBe(0)
    const added = JSON.parse(r.stdout) as { id: string; secret: string; online: boolean }
    expect(added).toMatchObject({ id: 'pi-01', online: false, secret: expect.stringMatching(SECRET) })
    expect(await withRegistry((reg) => reg.verifyDeviceSecret('pi-01', added.secret))).toBe(true)
  })

  it("gives each device the hub's model-signing public key with its credentials, the same key every time", async () => {
    type Added = { hubPublicKey: { alg: string; keyId: string; pem: string } }
    const first = JSON.parse((await edgefleet('device', 'add', 'pi-01', '--json')).stdout) as Added
    const second = JSON.parse((await edgefleet('device', 'add', 'pi-02', '--json')).stdout) as Added
    expect(first.hubPublicKey).toMatchObject({ alg: 'ed25519', keyId: expect.stringMatching(/^[0-9a-f]{16}$/), pem: expect.stringContaining('BEGIN PUBLIC KEY') })
    expect(second.hubPublicKey).toEqual(first.hubPublicKey)
    expect(readFileSync(join(hubPaths(dir).keys, 'model-signing.pub'), 'utf8')).toBe(first.hubPublicKey.pem)
  })

  it('refuses a duplicate device (exit 1), an invalid id (exit 1) and a malformed --tag (exit 2)', async () => {
    expect((await edgefleet('device', 'add', 'pi-01')).code).toBe(0)
    const duplicate = await edgefleet('device', 'add', 'pi-01')
    expect(duplicate.code).toBe(1)
    expect(duplicate.stderr).toContain('HUB_DEVICE_EXISTS')
    expect(duplicate.stdout).not.toMatch(SECRET)
    const invalid = await edgefleet('device', 'add', 'bad/id')
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/HUB_DEVICE_ID_INVALID: invalid device id "bad\/id": use 1–64 letters/)
    const tag = await edgefleet('device', 'add', 'pi-02', '--tag', 'site')
    expect(tag.code).toBe(2)
    expect(tag.stderr).toContain('key=value')
  })

  it('lists devices as a table or JSON, filtered by tags and online', async () => {
    for (const [id, site] of [['pi-01', 'lab'], ['pi-02', 'plant'], ['pi-03', 'lab']] as const) {
      expect((await edgefleet('device', 'add', id, '--tag', `site=${site}`)).code).toBe(0)
    }
    const table = await edgefleet('device', 'list')
    expect(table.code, table.stderr).toBe(0)
    const lines = table.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+TAGS\s+ONLINE\s+LAST SEEN\s+MODEL\s+AGENT$/)
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['pi-01', 'site=lab', 'no', 'never'], ['pi-02', 'site=plant', 'no', 'never'], ['pi-03', 'site=lab', 'no', 'never'],
    ])
    const lab = await edgefleet('device', 'list', '--tag', 'site=lab', '--json')
    expect((JSON.parse(lab.stdout) as { id: string }[]).map((d) => d.id)).toEqual(['pi-01', 'pi-03'])
    const online = await edgefleet('device', 'list', '--online', '--json')
    expect(JSON.parse(online.stdout)).toEqual([])
  })

  it('removes a device and rotates a secret', async () => {
    const added = JSON.parse((await edgefleet('device', 'add', 'pi-01', '--json')).stdout) as { secret: string }
    const rotated = await edgefleet('device', 'rotate-secret', 'pi-01', '--json')
    expect(rotated.code, rotated.stderr).toBe(0)
    const { secret } = JSON.parse(rotated.stdout) as { secret: string }
    expect(await withRegistry(async (reg) => [await reg.verifyDeviceSecret('pi-01', added.secret), await reg.verifyDeviceSecret('pi-01', secret)])).toEqual([false, true])
    const removed = await edgefleet('device', 'remove', 'pi-01')
    expect(removed.code, removed.stderr).toBe(0)
    expect(await withRegistry((reg) => reg.getDevice('pi-01'))).toBeNull()
    const again = await edgefleet('device', 'remove', 'pi-01')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('HUB_DEVICE_NOT_FOUND')
  })

  it('adds subscribers (MQTT username + password) and operator tokens (<name>.<secret>)', async () => {
    const sub = await edgefleet('subscriber', 'add', 'alerts-bot')
    expect(sub.code, sub.stderr).toBe(0)
    const password = /^ +password: (\S+)$/m.exec(sub.stdout)?.[1] ?? ''
    const token = await edgefleet('token', 'add', 'ci')
    expect(token.code, token.stderr).toBe(0)
    const [name, tokenSecret] = (/^ +token: (\S+)$/m.exec(token.stdout)?.[1] ?? '').split('.') as [string, string]
    expect(name).toBe('ci')
    expect(await withRegistry(async (reg) => [
      await reg.verifyCredential('subscriber', 'alerts-bot', password),
      await reg.verifyCredential('operator', 'ci', tokenSecret),
      await reg.verifyCredential('operator', 'alerts-bot', password),
    ])).toEqual([true, true, false])
    // a token reads only unless given more on purpose
    expect(token.stdout).toContain('token ci added with role viewer')
    const admin = await edgefleet('token', 'add', 'root', '--role', 'admin', '--json')
    expect(admin.code, admin.stderr).toBe(0)
    expect(JSON.parse(admin.stdout)).toMatchObject({ kind: 'operator', name: 'root', role: 'admin', token: expect.stringMatching(/^root\./) })
    const bad = await edgefleet('token', 'add', 'x', '--role', 'root')
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--role.*viewer, operator, admin/)])
    const list = await edgefleet('token', 'list', '--json')
    expect((JSON.parse(list.stdout) as { name: string; role: string }[]).map((c) => [c.name, c.role])).toEqual([['ci', 'viewer'], ['root', 'admin']])
    expect((await edgefleet('token', 'list')).stdout).toMatch(/^NAME +ROLE +ADDED\nci +viewer +\S+\nroot +admin +\S+\n$/)
    // a role changes in place: the same secret now carries it
    const promoted = await edgefleet('token', 'role', 'ci', 'operator')
    expect([promoted.code, promoted.stdout]).toEqual([0, 'token ci is now operator\n'])
    expect(await withRegistry((reg) => reg.verifyOperatorToken('ci', tokenSecret))).toBe('operator')
    const unknown = await edgefleet('token', 'role', 'nobody', 'admin')
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('HUB_CREDENTIAL_NOT_FOUND')])
    expect((await edgefleet('subscriber', 'remove', 'alerts-bot')).code).toBe(0)
    const gone = await edgefleet('subscriber', 'remove', 'alerts-bot')
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('HUB_CREDENTIAL_NOT_FOUND')
  })

  it('has --help on every command', async () => {
    const commands = [
      ['device'], ['device', 'add'], ['device', 'list'], ['device', 'remove'], ['device', 'rotate-secret'],
      ['subscriber'], ['subscriber', 'add'], ['subscriber', 'list'], ['subscriber', 'remove'], ['token', 'role'],
      ['token'], ['token', 'add'], ['token', 'list'], ['token', 'remove'],
      ['device', 'revoke'], ['claim-token'], ['claim-token', 'add'], ['claim-token', 'list'], ['claim-token', 'revoke'],
    ]
    const results = await Promise.all(commands.map((cmd) => runCli('hub/src/cli/main.ts', [...cmd, '--help'])))
    results.forEach((r, i) => {
      expect(r.code, commands[i]!.join(' ')).toBe(0)
      expect(r.stdout).toContain(`Usage: edgefleet ${commands[i]!.join(' ')}`)
    })
    expect(results[10]!.stdout).toContain('Authorization: Bearer <name>.<secret>')
  })
})
