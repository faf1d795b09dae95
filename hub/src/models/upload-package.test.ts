import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkManifestSignature, shippedPackageDir } from '@edgefleet/models'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { loadHubConfig } from '../config.ts'
import { freePorts } from '../test-support/free-ports.ts'
import { modelsUrl, uploadPackage } from './upload-package.ts'

const GAS_SENSOR = shippedPackageDir('gas-sensor')
let dataDir: string
let app: FastifyInstance
let hubUrl: string
let token: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-upload-package-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  await app.listen({ port: 0, host: '127.0.0.1' })
  hubUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await app?.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('uploadPackage', () => {
  it('streams a package to a listening hub, reporting progress, and returns the registered version', async () => {
    const progress: number[] = []
    let total = 0
    const view = await uploadPackage(GAS_SENSOR, { hubUrl: `${hubUrl}/`, token, onProgress: (sent, of) => void (progress.push(sent), total = of) })
    expect(view).toMatchObject({ name: 'gas-sensor', version: '1.0.0' })
    expect(checkManifestSignature(view.manifest, view.manifest.signature, app.signingKeys.publicKeyPem)).toBeNull()
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toBe(total)
    expect(await app.registry.getModelVersion('gas-sensor', '1.0.0')).not.toBeNull()
  })

  it('throws the hub\'s refusal as a HubError with its code and message', async () => {
    await expect(uploadPackage(GAS_SENSOR, { hubUrl, token })).rejects.toMatchObject({ code: 'HUB_MODEL_VERSION_EXISTS', message: expect.stringMatching(/check-version/) })
    // refused before the body is read: the client stops sending and reports the answer
    await expect(uploadPackage(GAS_SENSOR, { hubUrl, token: 'ops.wrong' })).rejects.toMatchObject({ code: 'HUB_UNAUTHORIZED' })
  })

  it('says when the hub cannot be reached or the URL is not one', async () => {
    const [closed] = await freePorts(1)
    await expect(uploadPackage(GAS_SENSOR, { hubUrl: `http://127.0.0.1:${closed}`, token })).rejects.toMatchObject({ code: 'HUB_UNREACHABLE', message: expect.stringMatching(/cannot reach the hub/) })
    expect(() => modelsUrl('mqtt://127.0.0.1:1883')).toThrow(/http:\/\/ or https:\/\/ URL/)
    expect(() => modelsUrl('not a url')).toThrow(/is not a URL/)
    expect(modelsUrl('http://hub:8080/edge').href).toBe('http://hub:8080/edge/api/v1/models')
  })
})
