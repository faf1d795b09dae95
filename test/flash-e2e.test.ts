import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type ProcessResult } from './helpers/agent-process.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'
import { perTestCleanup } from './helpers/per-test-cleanup.ts'

const batch = (n: number): string => join(dataPaths(resolveDataDir()).gasSensor, `batch${n}.csv`)
const rows = (n: number): number => readFileSync(batch(n), 'utf8').split('\n').filter((l) => l.trim().length > 0).length
const GAS_ARGS = ['--columns', 'gas,concentration,*', '--label-column', 'gas']
/** All a device has: node, and the basic system tools. Nothing from this repository, no HOME, no NODE_PATH. */
const CLEAN_ENV = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }
/** Modules the bundle may leave outside: optional native ones, each imported on first use only. */
const OPTIONAL_EXTERNALS = ['onnxruntime-node', 'sharp']

interface Flashed {
  out: string
  kind: 'dir' | 'tar.gz'
  deviceId: string
  credentials: 'added' | 'rotated' | 'claim'
  model: { name: string; version: string; from: string }
  sizes: { total: number; js: number; wasm: number; model: number; packed?: number }
}

interface DeviceView {
  online: boolean
  model: { name: string; version: string; sha256: string } | null
  backend: string | null
  agentVersion: string | null
}

const { defer, tempDir } = perTestCleanup()

/** The bundle's start script, as a device runs it: clean environment, the bundle's directory as working directory. */
function startBundle(dir: string, args: string[]): { child: ChildProcess; done: Promise<ProcessResult> } {
  const child = spawn('/bin/sh', [join(dir, 'start.sh'), ...args], { cwd: dir, env: CLEAN_ENV, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const done = new Promise<ProcessResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await done
  })
  return { child, done }
}

/** The modules a bundled (esbuild, minified) file imports: its import statements and its dynamic imports of a literal name. */
function importedModules(file: string): string[] {
  const js = readFileSync(file, 'utf8')
  const statements = [...js.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w$*\s{},]+from\s*)?"([^"]+)"/g)].map((m) => m[1]!)
  const dynamic = [...js.matchAll(/(?<![\w$.])import\("([^"]+)"\)/g)].map((m) => m[1]!)
  return [...new Set([...statements, ...dynamic])]
}

describe('edgefleet flash: a self-contained agent bundle on plain node', { timeout: 600_000 }, () => {
  let dataDir: string
  let h: HubProcess
  let token: string
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${h.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
  const device = (id: string): Promise<DeviceView> => api<DeviceView>(`/devices/${id}`)
  const storedPredictions = async (id: string): Promise<number> =>
    (await api<{ total: number }>(`/devices/${id}/predictions?from=${Date.now() - 86_400_000}&to=${Date.now() + 60_000}&every=86400000`)).total
  const edgefleet = (args: string[]) => runCli('hub/src/cli/main.ts', [...args, '--data-dir', dataDir])
  async function flash(args: string[]): Promise<Flashed> {
    const r = await edgefleet(['flash', '--hub', h.mqttUrl, ...args, '--json'])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as Flashed
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'edgefleet-flash-hub-'))
    // a registered, signed version to flash
    const pushed = await runCli('hub/src/cli/main.ts', ['model', 'push', shippedPackageDir('gas-sensor'), '--data-dir', dataDir])
    expect(pushed.code, pushed.stderr).toBe(0)
    const t = await runCli('hub/src/cli/main.ts', ['token', 'add', 'flash-test', '--data-dir', dataDir, '--json'])
    expect(t.code, t.stderr).toBe(0)
    token = (JSON.parse(t.stdout) as { token: string }).token
    h = await startHubProcess({ dataDir, ports: await freePorts(3) })
  })
  afterAll(async () => {
    await h?.stop('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('writes a .tar.gz that runs unpacked in an empty directory with only node: the device connects, serves the flashed model, and its predictions are stored', async () => {
    const work = tempDir('edgefleet-flash-')
    const tarball = join(work, 'pi-flash.tar.gz')
    const flashed = await flash(['--device', 'pi-flash', '--model', 'gas-sensor@1.0.0', '--out', tarball])
    expect(flashed).toMatchObject({ kind: 'tar.gz', credentials: 'added', model: { name: 'gas-sensor', version: '1.0.0', from: 'registry' } })
    expect(flashed.sizes.packed).toBe(statSync(tarball).size)
    expect(statSync(tarball).mode & 0o777).toBe(0o600) // it holds the secret
    expect(flashed.sizes.wasm).toBeGreaterThan(0)

    const dir = join(work, 'device')
    mkdirSync(dir)
    execFileSync('tar', ['-xzf', tarball, '-C', dir])
    expect(readdirSync(dir).sort()).toEqual(['README.txt', 'config.json', 'csv-worker.mjs', 'edgefleet-agent.mjs', 'edgefleet-agent.service', 'hub-public-key.pem', 'model', 'start.sh', 'state', 'wasm'])
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'start.sh')).mode & 0o777).toBe(0o755)
    // nothing to install: no node_modules anywhere from the bundle up, and the bundle imports only node's built-ins (and optional native modules on first use)
    for (let d = dir; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, 'node_modules')), d).toBe(false)
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])
    for (const file of ['edgefleet-agent.mjs', 'csv-worker.mjs']) {
      expect(importedModules(join(dir, file)).filter((m) => !builtins.has(m) && !OPTIONAL_EXTERNALS.includes(m)), file).toEqual([])
    }
    // the registered version, signature and all
    const manifest = JSON.parse(readFileSync(join(dir, 'model', 'manifest.json'), 'utf8')) as { name: string; version: string; signature?: unknown; model: { sha256: string; file: string } }
    expect(manifest.signature).toBeDefined()
    expect(createHash('sha256').update(readFileSync(join(dir, 'model', manifest.model.file))).digest('hex')).toBe(manifest.model.sha256)
    expect(readFileSync(join(dir, 'hub-public-key.pem'), 'utf8')).toBe(readFileSync(join(dataDir, 'keys', 'model-signing.pub'), 'utf8'))

    // the CSV replays, stdin stays open: the agent runs until stdin closes
    const agent = startBundle(dir, ['--csv', batch(1), ...GAS_ARGS, '--stdin', '--drain-timeout', '60'])
    await expect.poll(async () => (await device('pi-flash')).online, { timeout: 120_000, interval: 250 }).toBe(true)
    await expect.poll(() => storedPredictions('pi-flash'), { timeout: 120_000, interval: 500 }).toBe(rows(1))
    expect(await device('pi-flash')).toMatchObject({ model: { name: 'gas-sensor', version: '1.0.0', sha256: manifest.model.sha256 }, backend: 'wasm', agentVersion: expect.any(String) })
    agent.child.stdin!.end()
    const r = await agent.done
    expect(r.code, r.stderr).toBe(0)
    // the agent's state (outbox, numbering) stays in the bundle's own state directory
    expect(readdirSync(join(dir, 'state')).length).toBeGreaterThan(0)
    await expect.poll(async () => (await device('pi-flash')).online, { timeout: 60_000, interval: 250 }).toBe(false)
  })

  it('writes a directory; flashing an existing device gives it a new secret, and the earlier bundle no longer connects', async () => {
    const work = tempDir('edgefleet-flash-')
    const first = await flash(['--device', 'pi-again', '--model', shippedPackageDir('gas-sensor'), '--out', join(work, 'first')])
    expect(first).toMatchObject({ kind: 'dir', credentials: 'added', model: { from: expect.stringContaining('package') } })
    const second = await flash(['--device', 'pi-again', '--out', join(work, 'second')])
    expect(second).toMatchObject({ kind: 'dir', credentials: 'rotated' })

    const stale = await startBundle(join(work, 'first'), ['--csv', batch(2), ...GAS_ARGS]).done
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain('error AGENT_HUB_AUTH_FAILED')

    const fresh = await startBundle(join(work, 'second'), ['--csv', batch(2), ...GAS_ARGS, '--drain-timeout', '60']).done
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(await storedPredictions('pi-again')).toBe(rows(2))
    expect(await device('pi-again')).toMatchObject({ model: { name: 'gas-sensor', version: '1.0.0' }, backend: 'wasm' })
  })

  it('writes a batch image with a claim token: two devices run the same bundle, each claims its own id and its predictions are stored under it', async () => {
    const work = tempDir('edgefleet-flash-')
    const added = await edgefleet(['claim-token', 'add', 'line-3', '--prefix', 'line3', '--max-uses', '2', '--json'])
    expect(added.code, added.stderr).toBe(0)
    const claimToken = (JSON.parse(added.stdout) as { token: string }).token
    // a mistyped token fails at flash time, not on every device at its first start
    const typo = await edgefleet(['flash', '--hub', h.mqttUrl, '--claim-token', `${claimToken}x`, '--out', join(work, 'typo')])
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('error HUB_CLAIM_TOKEN_NOT_FOUND')
    const image = await flash(['--claim-token', claimToken, '--out', join(work, 'image.tar.gz')])
    expect(image).toMatchObject({ kind: 'tar.gz', credentials: 'claim', deviceId: 'claim token line-3' })

    const devices = ['unit-a', 'unit-b']
    for (const [i, serial] of devices.entries()) {
      const dir = join(work, serial)
      mkdirSync(dir)
      execFileSync('tar', ['-xzf', join(work, 'image.tar.gz'), '-C', dir])
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>
      expect(config).toMatchObject({ claimToken })
      expect(config).not.toHaveProperty('secret')
      const run = await startBundle(dir, ['--serial', serial, '--csv', batch(i + 1), ...GAS_ARGS, '--drain-timeout', '60']).done
      expect(run.code, run.stderr).toBe(0)
      // the identity it claimed stays in the bundle's state directory, readable by its owner only
      expect(statSync(join(dir, 'state', 'identity.json')).mode & 0o777).toBe(0o600)
      expect(await storedPredictions(`line3-${serial}`)).toBe(rows(i + 1))
    }
  })

  it('refuses to overwrite without --force, names a camera source\'s missing sharp, and says what a missing build needs', async () => {
    const work = tempDir('edgefleet-flash-')
    const out = join(work, 'pi-cam')
    await flash(['--device', 'pi-cam', '--out', out])
    const again = await edgefleet(['flash', '--hub', h.mqttUrl, '--device', 'pi-cam', '--out', out])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('error HUB_FLASH_OUTPUT_EXISTS')
    expect((await flash(['--device', 'pi-cam', '--out', out, '--force'])).credentials).toBe('rotated')

    // the bundle carries no sharp: a camera source says so once, with its code, instead of failing each frame
    const frames = join(work, 'frames')
    mkdirSync(frames)
    copyFileSync(join(dataPaths(resolveDataDir()).faces, readdirSync(dataPaths(resolveDataDir()).faces)[0]!), join(frames, 'frame-1.jpg'))
    const cam = await startBundle(out, ['--model', shippedPackageDir('ultraface'), '--frames', frames, '--format', 'none']).done
    expect(cam.code).toBe(1)
    expect(cam.stderr).toContain('error AGENT_CAMERA_UNAVAILABLE')
    expect(cam.stderr).toContain('camera sources need sharp')

    const missing = await edgefleet(['flash', '--hub', h.mqttUrl, '--device', 'pi-cam', '--out', join(work, 'x.tar.gz'), '--agent-bundle', join(work, 'no-build')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('error HUB_AGENT_BUNDLE_MISSING')
    expect(missing.stderr).toContain('build:bundle')
  })
})
