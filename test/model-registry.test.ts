import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, loadHubConfig } from '@edgefleet/hub'
import { checkManifestSignature, shippedPackageDir } from '@edgefleet/models'
import type { Manifest, ModelVersionList } from '@edgefleet/protocol'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { runCli } from './helpers/agent-process.ts'

/** `edgefleet model push|list|show` on a real package, and the packages it must refuse. */
describe('model registry (edgefleet model push)', { timeout: 300_000 }, () => {
  let dir: string
  const edgefleet = (...args: string[]) => runCli('hub/src/cli/main.ts', [...args, '--data-dir', join(dir, 'hub')])

  /** A copy of the built gas-sensor package, changed by `edit`. */
  const variant = (name: string, edit: (m: Manifest, onnx: Buffer) => Buffer | void): string => {
    const out = join(dir, name)
    cpSync(shippedPackageDir('gas-sensor'), out, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest
    const onnx = readFileSync(join(out, manifest.model.file))
    const changed = edit(manifest, onnx)
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2))
    if (changed) writeFileSync(join(out, manifest.model.file), changed)
    return out
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ef-model-registry-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers a package signed with the hub key, stores its model by digest, and lists and shows it', async () => {
    const push = await edgefleet('model', 'push', shippedPackageDir('gas-sensor'), '--json')
    expect(push.code, push.stderr).toBe(0)
    const pushed = JSON.parse(push.stdout) as { name: string; version: string; sha256: string }
    expect(pushed).toMatchObject({ name: 'gas-sensor', version: '1.0.0' })
    // the stored ONNX file is the package's, under its digest
    expect(readFileSync(join(dir, 'hub', 'models', `${pushed.sha256}.onnx`))).toEqual(readFileSync(join(shippedPackageDir('gas-sensor'), 'model.onnx')))
    const shown = JSON.parse((await edgefleet('model', 'show', 'gas-sensor@1.0.0')).stdout) as { manifest: Manifest }
    const publicKey = readFileSync(join(dir, 'hub', 'keys', 'model-signing.pub'), 'utf8')
    expect(checkManifestSignature(shown.manifest, shown.manifest.signature, publicKey)).toBeNull()

    const next = variant('v1.1.0', (m) => {
      m.version = '1.1.0'
      m.training.parent = { name: 'gas-sensor', version: '1.0.0' }
    })
    expect((await edgefleet('model', 'push', next)).code).toBe(0)
    const list = JSON.parse((await edgefleet('model', 'list', 'gas-sensor', '--json')).stdout) as { version: string; parentVersion: string | null }[]
    expect(list.map((v) => [v.version, v.parentVersion])).toEqual([['1.0.0', null], ['1.1.0', '1.0.0']])
    expect((await edgefleet('model', 'list')).stdout).toMatch(/gas-sensor\s+1\.1\.0\s+1\.0\.0/)
  })

  it('refuses, naming the step: a repeated or older version, a flipped byte in the model, a failing self-test', async () => {
    expect((await edgefleet('model', 'push', shippedPackageDir('gas-sensor'))).code).toBe(0)
    const again = await edgefleet('model', 'push', shippedPackageDir('gas-sensor'))
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/HUB_MODEL_VERSION_EXISTS[\s\S]*check-version/)
    const older = await edgefleet('model', 'push', variant('old', (m) => void (m.version = '0.9.0')))
    expect(older.stderr).toMatch(/HUB_MODEL_VERSION_NOT_NEWER[\s\S]*0\.9\.0 is older than the registered gas-sensor@1\.0\.0/)
    const flipped = await edgefleet('model', 'push', variant('flipped', (m, onnx) => {
      m.version = '1.2.0'
      onnx[onnx.length - 10] = onnx[onnx.length - 10]! ^ 0xff
      return onnx
    }))
    expect(flipped.code).toBe(1)
    expect(flipped.stderr).toMatch(/verify-digest[\s\S]*sha256/)
    const broken = await edgefleet('model', 'push', variant('broken', (m) => {
      m.version = '1.3.0'
      const expected = m.selfTest.vectors[0]!.expected
      const first = Object.values(expected)[0]!
      if (first.kind === 'values') first.values = first.values.map((v) => v + 0.5)
    }))
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/HUB_MODEL_INVALID[\s\S]*self-test/)
    // nothing refused was registered
    const list = JSON.parse((await edgefleet('model', 'list', '--json')).stdout) as { version: string }[]
    expect(list.map((v) => v.version)).toEqual(['1.0.0'])
  })
})

/** `edgefleet model push --hub`: the same checks, through a running hub's REST API. */
describe('model registry over HTTP (edgefleet model push --hub)', { timeout: 300_000 }, () => {
  it('uploads with a progress bar, registers signed, and reports refusals with the hub\'s code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-model-push-hub-'))
    const hub = await build({ config: loadHubConfig({ dataDir: join(dir, 'hub'), mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
    onTestFinished(async () => {
      await hub.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const token = `ci.${(await hub.registry.addCredential('operator', 'ci', 'operator')).secret}`
    await hub.listen({ port: 0, host: '127.0.0.1' })
    const url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`
    const push = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli('hub/src/cli/main.ts', ['model', 'push', ...args], { env })

    const first = await push([shippedPackageDir('gas-sensor'), '--hub', url], { EDGEFLEET_TOKEN: token })
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^registered gas-sensor@1\.0\.0 on http:\/\/127\.0\.0\.1:\d+ \(model sha256 [0-9a-f]{12}…, \d+ bytes\), signed with key/)
    expect(first.stderr).toMatch(/upload[\s\S]*100%[\s\S]*the hub checks it: read-manifest → verify-digest → self-test/)

    const child = join(dir, 'child')
    cpSync(shippedPackageDir('gas-sensor'), child, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(child, 'manifest.json'), 'utf8')) as Manifest
    writeFileSync(join(child, 'manifest.json'), JSON.stringify({ ...manifest, version: '1.1.0', training: { ...manifest.training, parent: { name: 'gas-sensor', version: '1.0.0' } } }))
    const second = await push([child, '--hub', url, '--token', token, '--json'])
    expect(second.code, second.stderr).toBe(0)
    const registered = JSON.parse(second.stdout) as { version: string; parentVersion: string; signature: Manifest['signature'] }
    expect(registered).toMatchObject({ version: '1.1.0', parentVersion: '1.0.0', signature: { keyId: hub.signingKeys.keyId } })

    const list = (await hub.inject({ url: '/api/v1/models', headers: { authorization: `Bearer ${token}` } })).json<ModelVersionList>()
    expect(list.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0'])
    const shown = (await hub.inject({ url: '/api/v1/models/gas-sensor/1.1.0/manifest.json', headers: { authorization: `Bearer ${token}` } })).json<Manifest>()
    expect(checkManifestSignature(shown, shown.signature, hub.signingKeys.publicKeyPem)).toBeNull()

    const again = await push([child, '--hub', url, '--token', token])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/error HUB_MODEL_VERSION_EXISTS: push the uploaded package failed at step check-version/)
    const wrong = await push([child, '--hub', url, '--token', 'ci.wrong'])
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/error HUB_UNAUTHORIZED/)])
    const tokenless = await push([child, '--hub', url], { EDGEFLEET_TOKEN: '' })
    expect([tokenless.code, tokenless.stderr]).toEqual([2, expect.stringMatching(/--hub needs an operator token/)])
  })
})
