// Test support for the deploy tests: a model-signing key made as the hub makes its own, versions of
// the shipped gas-sensor package, and a real HTTP server that serves them as the hub does (Basic
// auth, Range requests, JSON error bodies), with ways to cut or alter a transfer.
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { shippedPackageDir, signingKeyId } from '@edgefleet/models'
import { signedPayload, type Desired, type Manifest, type ManifestSignature, type ModelTarget } from '@edgefleet/protocol'

const YEAR_MS = 365 * 86_400_000

/** An Ed25519 key pair that signs as the hub's SigningKeys does. */
export class TestSigner {
  readonly publicKeyPem: string
  private readonly keyId: string
  constructor(private readonly privateKey: KeyObject = generateKeyPairSync('ed25519').privateKey) {
    this.publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
    this.keyId = signingKeyId(this.publicKeyPem)
  }

  sign(m: { name: string; version: string; sha256: string }, expiresAt = Date.now() + YEAR_MS, rollback = false): ManifestSignature {
    const payload = signedPayload({ name: m.name, version: m.version, sha256: m.sha256, expiresAt, ...(rollback ? { rollback: true as const } : {}) })
    return { alg: 'ed25519', keyId: this.keyId, expiresAt, value: sign(null, Buffer.from(payload, 'utf8'), this.privateKey).toString('base64') }
  }
}

/** A model version as the hub holds it: its manifest (signed) and ONNX bytes. */
export interface TestVersion {
  manifest: Manifest
  onnx: Buffer
  ref: { name: string; version: string; sha256: string }
}

/** The shipped gas-sensor package with another version number (same ONNX file, so the same digest), signed. */
export function gasSensorVersion(version: string, signer: TestSigner, change?: (m: Manifest) => void): TestVersion {
  const dir = shippedPackageDir('gas-sensor')
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
  const onnx = readFileSync(join(dir, manifest.model.file))
  manifest.version = version
  change?.(manifest)
  manifest.signature = signer.sign({ name: manifest.name, version, sha256: manifest.model.sha256 })
  return { manifest, onnx, ref: { name: manifest.name, version, sha256: manifest.model.sha256 } }
}

/** Writes a version's files into `dir`: its manifest, and its ONNX file (or `onnx` in its place; none when undefined). */
export function writePackageAt(dir: string, v: TestVersion, onnx: Buffer | undefined = v.onnx): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(v.manifest))
  if (onnx) writeFileSync(join(dir, v.manifest.model.file), onnx)
}

/** Writes a version as a package directory (as `--model` would name it). */
export function writeVersion(root: string, v: TestVersion): string {
  const dir = join(root, `${v.manifest.name}-${v.manifest.version}`)
  writePackageAt(dir, v)
  return dir
}

/** One request the server saw. */
export interface SeenRequest {
  path: string
  range: string | undefined
  status: number
}

/** The hub's model download endpoint, for tests. */
export interface TestModelServer {
  readonly url: string
  readonly requests: SeenRequest[]
  /** serves a version's manifest and ONNX file; returns the desired state's target for it */
  publish(v: TestVersion, o?: { onnx?: Buffer }): ModelTarget
  /** the next `times` responses of paths ending in `suffix` send `bytes` body bytes, then the connection is cut (replaces an earlier cut of that suffix) */
  cut(suffix: string, bytes: number, times?: number): void
  /** responses of paths ending in `suffix` wait for `until` (an activation kept in its download step) */
  hold(suffix: string, until: Promise<unknown>): void
  close(): Promise<void>
}

/** A real HTTP server on a loopback port: Basic auth as `deviceId:secret`, `Range: bytes=N-`, 401/404 with the hub's JSON error body. */
export async function startModelServer(credentials: { deviceId: string; secret: string }): Promise<TestModelServer> {
  const files = new Map<string, Buffer>()
  const cuts: { suffix: string; bytes: number; times: number }[] = []
  const holds: { suffix: string; until: Promise<unknown> }[] = []
  const requests: SeenRequest[] = []
  const expected = `Basic ${Buffer.from(`${credentials.deviceId}:${credentials.secret}`).toString('base64')}`
  const fail = (res: ServerResponse, statusCode: number, code: string, message: string): void => {
    res.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode, code, error: statusCode === 401 ? 'Unauthorized' : 'Not Found', message }))
  }
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? '/'
    const seen: SeenRequest = { path, range: req.headers.range, status: 0 }
    requests.push(seen)
    const body = files.get(path)
    if (req.headers.authorization !== expected) return void (seen.status = 401, fail(res, 401, 'HUB_AUTH_FAILED', 'unknown device or wrong secret'))
    if (!body) return void (seen.status = 404, fail(res, 404, 'HUB_MODEL_NOT_FOUND', `no model file at ${path}`))
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    const start = m ? Number(m[1]) : 0
    if (start >= body.length && m) return void (seen.status = 416, res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end())
    const slice = body.subarray(start)
    seen.status = m ? 206 : 200
    res.writeHead(seen.status, { 'content-length': slice.length, ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}), 'accept-ranges': 'bytes' })
    const cut = cuts.find((c) => c.times > 0 && path.endsWith(c.suffix))
    if (!cut) return void res.end(slice)
    cut.times--
    // the cut comes a moment after the bytes, so the client has read them (as when a link drops)
    res.write(slice.subarray(0, cut.bytes), () => setTimeout(() => res.destroy(), 100))
  }
  const server = createServer((req, res) => {
    const held = holds.find((h) => (req.url ?? '').endsWith(h.suffix))
    if (!held) return handle(req, res)
    void held.until.then(() => handle(req, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    requests,
    publish(v, o = {}) {
      const base = `/models/${v.manifest.name}/${v.manifest.version}`
      files.set(`${base}/manifest.json`, Buffer.from(JSON.stringify(v.manifest)))
      files.set(`${base}/model.onnx`, o.onnx ?? v.onnx)
      return { ...v.ref, size: v.manifest.model.size, url: `${url}${base}/model.onnx`, manifestUrl: `${url}${base}/manifest.json`, signature: v.manifest.signature! }
    },
    cut(suffix, bytes, times = 1) {
      cuts.splice(0, cuts.length, ...cuts.filter((c) => c.suffix !== suffix), { suffix, bytes, times })
    },
    hold(suffix, until) {
      holds.push({ suffix, until })
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

let generation = 0
/** A desired state naming `active` (generations increase across a test file). */
export function desired(active: ModelTarget | null, o: Partial<Desired> = {}): Desired {
  return { v: 1, ts: Date.now(), generation: ++generation, active, rollback: false, ...o }
}
