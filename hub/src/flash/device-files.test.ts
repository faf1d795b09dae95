import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { deviceConfig, hasSource, readme, startScript, systemdUnit } from './device-files.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgefleet-device-files-'))
  dirs.push(d)
  return d
}

/** Writes start.sh and a stand-in agent that prints its arguments, and runs the script with `PATH`. */
function runStart(path: string, args: string[] = [], cwd?: string) {
  const dir = tempDir()
  writeFileSync(join(dir, 'start.sh'), startScript('pi-01'), { mode: 0o755 })
  writeFileSync(join(dir, 'edgefleet-agent.mjs'), 'process.stdout.write(JSON.stringify(process.argv.slice(2)))\n')
  return { dir, r: spawnSync('/bin/sh', [join(dir, 'start.sh'), ...args], { cwd: cwd ?? tmpdir(), env: { PATH: path }, encoding: 'utf8' }) }
}

describe('device config', () => {
  it('holds the hub, the credentials and paths relative to itself, and sends predictions to the hub only', () => {
    const c = deviceConfig({ hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's3cret' })
    expect(c).toEqual({ model: './model', hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's3cret', stateDir: './state', hubPublicKey: './hub-public-key.pem', format: 'none', logLevel: 'info' })
  })
  it('adds the sources it is given, and only those', () => {
    const sources = { mqttUrl: 'mqtt://localhost:1883', mqttTopic: 'ef/v1/sensors/pi-01/+', snapshotUrl: undefined }
    expect(deviceConfig({ hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's', sources })).toMatchObject({ mqttUrl: 'mqtt://localhost:1883', mqttTopic: 'ef/v1/sensors/pi-01/+' })
    expect(deviceConfig({ hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's', sources })).not.toHaveProperty('snapshotUrl')
    expect(hasSource(sources)).toBe(true)
    expect(hasSource({})).toBe(false)
  })
  it('names the CA certificate beside it when the bundle carries one', () => {
    expect(deviceConfig({ hub: 'mqtts://hub:8883', deviceId: 'pi-01', secret: 's', ca: true })).toMatchObject({ ca: './hub-ca.pem' })
    expect(deviceConfig({ hub: 'mqtt://hub:1883', deviceId: 'pi-01', secret: 's' })).not.toHaveProperty('ca')
  })
})

describe('start.sh', () => {
  it('runs the agent beside it with the config beside it, from any working directory, passing its arguments on', () => {
    const { dir, r } = runStart(`${dirname(process.execPath)}:/usr/bin:/bin`, ['--csv', 'readings.csv'])
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(['run', '--config', join(dir, 'config.json'), '--csv', 'readings.csv'])
  })
  it('says to install node when there is none', () => {
    const { r } = runStart('/nonexistent')
    expect(r.status).toBe(127)
    expect(r.stderr).toContain('node was not found on PATH: install Node.js 20 or newer')
  })
  it('refuses a node older than 20, saying which it found', () => {
    // a stand-in for an old node: what the script asks it, answered as Node.js 18 would
    const bin = tempDir()
    writeFileSync(join(bin, 'node'), '#!/bin/sh\ncase "$1" in -p) echo 18 ;; --version) echo v18.19.0 ;; esac\n')
    chmodSync(join(bin, 'node'), 0o755)
    const { r } = runStart(`${bin}:/usr/bin:/bin`)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('this is Node.js v18.19.0, the agent needs 20 or newer')
  })
})

describe('systemd unit', () => {
  const unit = systemdUnit({ deviceId: 'pi-01', installDir: '/opt/edgefleet' })
  const settings = new Map(unit.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))

  it('runs start.sh from the install directory as a dedicated user and always restarts it', () => {
    expect(Object.fromEntries(settings)).toMatchObject({
      User: 'edgefleet', Group: 'edgefleet', WorkingDirectory: '/opt/edgefleet', ExecStart: '/opt/edgefleet/start.sh', Restart: 'always', WantedBy: 'multi-user.target',
    })
  })
  it('is hardened, with the file system read-only but for the state directory, and leaves node\'s JIT alone', () => {
    expect(Object.fromEntries(settings)).toMatchObject({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ReadWritePaths: '/opt/edgefleet/state', ProtectHome: 'yes', PrivateTmp: 'yes', CapabilityBoundingSet: '' })
    expect(settings.has('MemoryDenyWriteExecute')).toBe(false)
    // and systemd's own parser, where there is one, knows every directive and value (it warns on stderr, exit code 0)
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p))
    if (analyze === undefined) return
    const dir = tempDir()
    mkdirSync(join(dir, 'state'))
    writeFileSync(join(dir, 'start.sh'), startScript('pi-01'), { mode: 0o755 })
    writeFileSync(join(dir, 'edgefleet-agent.service'), systemdUnit({ deviceId: 'pi-01', installDir: dir }))
    const r = spawnSync(analyze, ['verify', join(dir, 'edgefleet-agent.service')], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
  })
})

describe('README', () => {
  it('says how to install the service, and how to give a source when the config has none', () => {
    const text = readme({ deviceId: 'pi-01', installDir: '/opt/edgefleet', hub: 'mqtt://hub:1883', model: 'gas-sensor@1.0.0', hasSource: false })
    expect(text).toContain('sudo systemctl enable --now edgefleet-agent.service')
    expect(text).toContain('"mqttTopic": "ef/v1/sensors/pi-01/+"')
    expect(readme({ deviceId: 'pi-01', installDir: '/opt/edgefleet', hub: 'mqtt://hub:1883', model: 'gas-sensor@1.0.0', hasSource: true })).not.toContain('names no source')
  })
})
