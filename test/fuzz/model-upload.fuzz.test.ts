import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { build, loadHubConfig } from '@edgefleet/hub'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { counterSamples } from './metrics-text.ts'
import { damagedPackage, intactPackage, sha256, type IntactPackage } from './package-mutations.ts'

/**
 * Property-based fuzzing of model package uploads (`POST /api/v1/models`, what `edgefleet model push
 * --hub` sends): damaged copies of the shipped gas-sensor package, and malformed multipart forms.
 * Each must be refused with a coded 4xx and counted in the refusal metrics; the version registered
 * before stays listed and downloadable with the right sha256.
 */

const SEED = 20_261_130
const RUNS = 320
const REFUSAL_CODES = ['HUB_MODEL_INVALID', 'HUB_USAGE', 'HUB_UPLOAD_TOO_LARGE', 'HUB_MODEL_VERSION_EXISTS', 'HUB_MODEL_VERSION_NOT_NEWER']

let app: FastifyInstance
let dataDir: string
let auth: Record<string, string>
let pkg: IntactPackage
const counts: Record<string, number> = {}
const answers: Record<string, number> = {}
const tally = (table: Record<string, number>, key: string): void => void (table[key] = (table[key] ?? 0) + 1)

interface Part {
  field: string
  filename?: string
  content: Buffer
}

/** A multipart/form-data body, written by hand so that the test controls every byte. */
function multipart(parts: Part[], boundary = 'fuzz-boundary-7d1f'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disposition = `form-data; name="${p.field}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`), p.content, Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

const packageParts = (manifest: Buffer, onnx: Buffer): Part[] => [
  { field: 'manifest', filename: 'manifest.json', content: manifest },
  { field: 'model', filename: 'model.onnx', content: onnx },
]

async function upload(body: Buffer, contentType: string) {
  return app.inject({ method: 'POST', url: '/api/v1/models', headers: { ...auth, 'content-type': contentType }, payload: body })
}

async function refusals(): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body
  let n = 0
  for (const [labels, v] of counterSamples(text, 'edgefleet_model_api_refusals_total')) if (labels.includes('route="POST /api/v1/models"')) n += v
  return n
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ef-fuzz-upload-'))
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
  auth = { authorization: `Bearer fuzz-admin.${(await app.registry.addCredential('operator', 'fuzz-admin', 'admin')).secret}` }
  pkg = intactPackage()
  const { body, contentType } = multipart(packageParts(Buffer.from(JSON.stringify(pkg.manifest)), pkg.onnx))
  const res = await upload(body, contentType)
  expect(res.statusCode, res.body).toBe(201)
})

afterAll(async () => {
  await app?.close()
  rmSync(dataDir, { recursive: true, force: true })
  console.log(`model-upload fuzz inputs by category: ${JSON.stringify(counts)}; total ${Object.values(counts).reduce((a, b) => a + b, 0)}; answers: ${JSON.stringify(answers)}`)
})

/** Malformed forms around an intact package: parts missing, doubled, renamed, extra, as fields, or a body cut short. */
function malformedForm(p: IntactPackage): fc.Arbitrary<{ category: string; body: Buffer; contentType: string }> {
  const manifest = Buffer.from(JSON.stringify(p.manifest))
  const good = packageParts(manifest, p.onnx)
  const forms: fc.Arbitrary<{ category: string; parts: Part[] }> = fc.oneof(
    fc.constantFrom<{ category: string; parts: Part[] }>(
      { category: 'form-missing-model', parts: [good[0]!] },
      { category: 'form-missing-manifest', parts: [good[1]!] },
      { category: 'form-empty', parts: [] },
      { category: 'form-part-twice', parts: [good[0]!, good[0]!, good[1]!] },
      { category: 'form-parts-as-fields', parts: good.map(({ field, content }) => ({ field, content })) },
    ),
    fc.string({ minLength: 1, maxLength: 20 }).filter((f) => !/["\r\n]/.test(f) && f !== 'manifest' && f !== 'model')
      .map((f) => ({ category: 'form-unknown-part', parts: [...good, { field: f, filename: 'x', content: Buffer.from('x') }] })),
  )
  return fc.oneof(
    forms.map(({ category, parts }) => ({ category, ...multipart(parts) })),
    fc.nat().map((n) => {
      const { body, contentType } = multipart(good)
      return { category: 'form-cut-short', body: body.subarray(0, n % body.length), contentType }
    }),
    fc.uint8Array({ maxLength: 512 }).map((b) => ({ category: 'form-random-bytes', body: Buffer.from(b), contentType: 'multipart/form-data; boundary=fuzz-boundary-7d1f' })),
  )
}

describe('model package uploads under generated damage', () => {
  it('refuses every damaged package and malformed form with a coded 4xx, counts it, and leaves the registered version intact', async () => {
    const before = await refusals()
    const input = fc.oneof(
      { weight: 5, arbitrary: damagedPackage(pkg).map((d) => ({ category: d.category, ...multipart(packageParts(d.manifest, d.onnx)) })) },
      { weight: 1, arbitrary: malformedForm(pkg) },
    )
    await fc.assert(
      fc.asyncProperty(input, async ({ category, body, contentType }) => {
        const res = await upload(body, contentType)
        tally(counts, category)
        const answer = res.json() as { statusCode?: number; code?: string }
        tally(answers, `${res.statusCode} ${answer.code}`)
        if (res.statusCode < 400 || res.statusCode >= 500 || answer.statusCode !== res.statusCode || !REFUSAL_CODES.includes(answer.code ?? '')) {
          throw new Error(`${category}: answered ${res.statusCode} ${res.body.slice(0, 400)}`)
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    // every refusal is counted, whatever its status
    expect(await refusals() - before).toBe(RUNS)
    // the version registered before is untouched: listed once, its files download with the right digest
    const list = (await app.inject({ url: '/api/v1/models', headers: auth })).json() as { models: { name: string; versions?: unknown[] }[] }
    expect(JSON.stringify(list)).toContain('"gas-sensor"')
    const onnx = await app.inject({ url: '/api/v1/models/gas-sensor/1.0.0/model.onnx', headers: auth })
    expect(onnx.statusCode).toBe(200)
    expect(sha256(onnx.rawPayload)).toBe(pkg.manifest.model.sha256)
    const manifest = (await app.inject({ url: '/api/v1/models/gas-sensor/1.0.0/manifest.json', headers: auth })).json() as { model: { sha256: string }; signature?: unknown }
    expect(manifest.model.sha256).toBe(pkg.manifest.model.sha256)
    expect(manifest.signature).toBeDefined()
    expect((await app.registry.listModelVersions('gas-sensor')).map((v) => v.version)).toEqual(['1.0.0'])
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok' })
  }, 240_000)
})
