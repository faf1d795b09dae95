import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { downloadFile, type DownloadOptions } from './download-file.ts'
import { gasSensorVersion, startModelServer, TestSigner, type TestModelServer } from './test-hub.ts'

const device = { deviceId: 'pi-01', secret: 's3cret' }
const auth = { authorization: `Basic ${Buffer.from('pi-01:s3cret').toString('base64')}` }
const v1 = gasSensorVersion('1.0.0', new TestSigner())
const fast = { backoff: { initialMs: 5, maxMs: 20 }, attempts: 3 }

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function setup(o: { onnx?: Buffer } = {}): Promise<{ server: TestModelServer; dir: string; url: string; get: (extra?: Partial<DownloadOptions>) => Promise<Awaited<ReturnType<typeof downloadFile>>> }> {
  const server = await startModelServer(device)
  cleanup.push(() => server.close())
  const dir = mkdtempSync(join(tmpdir(), 'ef-download-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  const { url } = server.publish(v1, o)
  const get = (extra: Partial<DownloadOptions> = {}) => downloadFile({ url, dest: join(dir, 'model.onnx'), size: v1.onnx.length, maxBytes: 1 << 20, headers: auth, ...fast, ...extra })
  return { server, dir, url, get }
}

describe('downloadFile', () => {
  it('downloads with the device credentials into .part, then renames it, reporting progress', async () => {
    const { dir, get } = await setup()
    const progress: number[] = []
    const r = await get({ onProgress: (n) => progress.push(n), progressIntervalMs: 0 })
    expect(r).toEqual({ bytes: v1.onnx.length, resumedFrom: 0, requests: 1 })
    expect(readFileSync(join(dir, 'model.onnx')).equals(v1.onnx)).toBe(true)
    expect(existsSync(join(dir, 'model.onnx.part'))).toBe(false)
    expect(progress.at(-1)).toBe(v1.onnx.length)
  })

  it('resumes a transfer cut mid-way with Range from what it has', async () => {
    const { server, dir, get } = await setup()
    server.cut('model.onnx', 10_000)
    const r = await get()
    expect(readFileSync(join(dir, 'model.onnx')).equals(v1.onnx)).toBe(true)
    expect(server.requests.map((q) => q.status)).toEqual([200, 206])
    expect(server.requests[1]!.range).toMatch(/^bytes=[1-9][0-9]*-$/)
    expect(Number(/=(\d+)/.exec(server.requests[1]!.range!)![1])).toBeLessThanOrEqual(10_000)
    expect(r.requests).toBe(2)
  })

  it('resumes a .part left by an earlier run (a crash) instead of starting over', async () => {
    const { server, dir, get } = await setup()
    writeFileSync(join(dir, 'model.onnx.part'), v1.onnx.subarray(0, 30_000))
    const r = await get()
    expect(r.resumedFrom).toBe(30_000)
    expect(server.requests.map((q) => q.range)).toEqual(['bytes=30000-'])
    expect(readFileSync(join(dir, 'model.onnx')).equals(v1.onnx)).toBe(true)
  })

  it('refuses a file larger than the desired size or the limit, before or while reading, and drops the part', async () => {
    const { server, dir, get } = await setup({ onnx: Buffer.concat([v1.onnx, Buffer.alloc(5000)]) })
    await expect(get()).rejects.toMatchObject({ code: 'AGENT_DOWNLOAD_TOO_LARGE', step: 'download' })
    expect(existsSync(join(dir, 'model.onnx.part'))).toBe(false)
    await expect(get({ maxBytes: 1000 })).rejects.toMatchObject({ code: 'AGENT_DOWNLOAD_TOO_LARGE', message: expect.stringMatching(/--max-model-mb/) })
    expect(server.requests).toHaveLength(1) // the second refusal needed no request: size > limit
  })

  it('fails at once with the server message on 401 and 404', async () => {
    const { url, dir, server } = await setup()
    const base = { dest: join(dir, 'x.onnx'), maxBytes: 1 << 20, ...fast }
    await expect(downloadFile({ ...base, url, headers: { authorization: 'Basic bm9ib2R5Onh4' } })).rejects.toMatchObject({
      code: 'AGENT_DOWNLOAD_FAILED', message: expect.stringMatching(/HTTP 401 HUB_AUTH_FAILED: unknown device or wrong secret.*device id and secret/),
    })
    await expect(downloadFile({ ...base, url: `${url}.missing`, headers: auth })).rejects.toMatchObject({ code: 'AGENT_DOWNLOAD_FAILED', message: expect.stringMatching(/404 HUB_MODEL_NOT_FOUND/) })
    expect(server.requests).toHaveLength(2)
  })

  it('retries a server that keeps cutting, then gives up keeping the part for next time', async () => {
    const { server, dir, get } = await setup()
    server.cut('model.onnx', 0, 10)
    await expect(get()).rejects.toMatchObject({ code: 'AGENT_DOWNLOAD_FAILED', message: expect.stringMatching(/3 attempts/) })
    expect(server.requests).toHaveLength(3)
    server.cut('model.onnx', 0, 0)
    await get()
    expect(readFileSync(join(dir, 'model.onnx')).equals(v1.onnx)).toBe(true)
  })

  it('stops when aborted, with the signal\'s reason', async () => {
    const { server, get } = await setup()
    server.cut('model.onnx', 0, 10)
    const controller = new AbortController()
    const reason = new Error('superseded')
    const running = get({ signal: controller.signal, backoff: { initialMs: 10_000, maxMs: 10_000 } })
    await new Promise((r) => setTimeout(r, 50))
    controller.abort(reason)
    await expect(running).rejects.toBe(reason)
  })

  it('cuts and retries an attempt that stalls', async () => {
    const { server, get } = await setup()
    server.hold('model.onnx', new Promise(() => {}))
    await expect(get({ stallTimeoutMs: 50, attempts: 2 })).rejects.toMatchObject({ code: 'AGENT_DOWNLOAD_FAILED', message: expect.stringMatching(/2 attempts.*nothing received for 50 ms/) })
  })
})
