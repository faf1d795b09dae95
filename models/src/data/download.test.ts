import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { downloadFile, type DownloadOptions, type DownloadProgress } from './download.ts'
import { sha256Of } from './file-digest.ts'
import { startOrigin, type OriginRoute, type TestOrigin } from './test-origin.ts'

const BODY = randomBytes(300_000)

async function setup(route: Partial<OriginRoute>): Promise<{ origin: TestOrigin; path: string; opts: DownloadOptions }> {
  const origin = await startOrigin({ '/file.bin': { body: BODY, ...route } })
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-download-'))
  onTestFinished(async () => {
    await origin.close()
    await rm(dir, { recursive: true, force: true })
  })
  const path = join(dir, 'file.bin')
  const url = `${origin.url}/file.bin`
  return { origin, path, opts: { url, path, item: 'file.bin', idleTimeoutMs: 10_000, attempts: 3, retryDelayMs: 0 } }
}

describe('downloadFile', () => {
  it('resumes a dropped transfer with a Range request and reports progress', async () => {
    const { origin, path, opts } = await setup({ holdAfter: 100_000 })
    const events: DownloadProgress[] = []
    const onProgress = (p: DownloadProgress): void => {
      events.push(p)
      origin.dropHeld()
    }
    const result = await downloadFile({ ...opts, sha256: sha256Of(BODY), onProgress })
    expect(await readFile(path)).toEqual(BODY)
    expect(origin.requests.map((r) => r.status)).toEqual([200, 206])
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(origin.requests[1]?.range ?? '')?.[1])
    expect(resumedAt).toBeGreaterThan(0)
    expect(result).toEqual({ size: BODY.length, receivedBytes: BODY.length, resumedEarlierPart: false })
    expect(events.at(-1)).toEqual({ item: 'file.bin', receivedBytes: BODY.length, totalBytes: BODY.length, done: true })
    expect(events.filter((e) => e.done)).toHaveLength(1)
    expect(existsSync(`${path}.part`)).toBe(false)
  })

  it('continues a .part left by an earlier run', async () => {
    const { origin, path, opts } = await setup({})
    await writeFile(`${path}.part`, BODY.subarray(0, 123_456))
    const result = await downloadFile(opts)
    expect(await readFile(path)).toEqual(BODY)
    expect(origin.requests).toEqual([{ path: '/file.bin', range: 'bytes=123456-', status: 206 }])
    expect(result).toEqual({ size: BODY.length, receivedBytes: BODY.length - 123_456, resumedEarlierPart: true })
  })

  it('starts over when the server ignores the Range request', async () => {
    const { origin, path, opts } = await setup({ ignoreRange: true })
    await writeFile(`${path}.part`, Buffer.from('stale bytes of some other version'))
    await downloadFile(opts)
    expect(await readFile(path)).toEqual(BODY)
    expect(origin.requests.map((r) => r.status)).toEqual([200])
  })

  it('retries a 503 and gives up on a 404 at once, naming the URL and status', async () => {
    const flaky = await setup({ failStatus: 503, failTimes: 2 })
    await downloadFile(flaky.opts)
    expect(flaky.origin.requests.map((r) => r.status)).toEqual([503, 503, 200])

    const { origin, path, opts } = await setup({})
    const url = `${origin.url}/missing.bin`
    await expect(downloadFile({ ...opts, url })).rejects.toMatchObject({
      code: 'DATA_FETCH_FAILED',
      status: 404,
      url,
      message: expect.stringContaining(`GET ${url} failed: HTTP 404`),
    })
    expect(origin.requests).toHaveLength(1)
    expect(existsSync(path)).toBe(false)
  })

  it('fails with DATA_CHECKSUM_MISMATCH and leaves no file behind', async () => {
    const { path, opts } = await setup({})
    await expect(downloadFile({ ...opts, sha256: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'DATA_CHECKSUM_MISMATCH',
      message: expect.stringContaining(`sha256 ${sha256Of(BODY)}, expected ${'0'.repeat(64)}`),
    })
    expect(existsSync(path) || existsSync(`${path}.part`)).toBe(false)
  })

  it('gives up when the server goes silent', async () => {
    const { opts } = await setup({ stall: true })
    await expect(downloadFile({ ...opts, idleTimeoutMs: 200, attempts: 1 })).rejects.toMatchObject({
      code: 'DATA_FETCH_FAILED',
      message: expect.stringContaining('no data for 200 ms'),
    })
  })

  it('stops on abort with the signal reason and keeps the .part for later', async () => {
    const { path, opts } = await setup({})
    const abort = new AbortController()
    const reason = new Error('user pressed Ctrl-C')
    await expect(downloadFile({ ...opts, signal: abort.signal, onProgress: () => abort.abort(reason) })).rejects.toBe(
      reason,
    )
    expect(existsSync(path)).toBe(false)
    expect(existsSync(`${path}.part`)).toBe(true)
  })
})
