import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { SnapshotSource } from './snapshot-source.ts'
import { FACES, frameContext } from './test-frame-context.ts'

const photo = readFileSync(join(FACES, '8.jpg'))

/** A camera on a loopback port; `answer` decides each request. */
async function camera(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; requests: () => number; server: Server }> {
  let n = 0
  const server = createServer((req, res) => answer(req, res, ++n))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/snapshot.jpg`, requests: () => n, server }
}

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(20)
}

const jpeg = (res: ServerResponse): void => void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo)

describe('SnapshotSource', () => {
  it('polls the snapshot URL and names each frame snapshot-<n>', async () => {
    const cam = await camera((_req, res) => jpeg(res))
    const ctx = frameContext({ onRecord: () => ctx.records.length >= 3 && ctx.stop() })
    await new SnapshotSource({ url: cam.url, intervalMs: 10 }).run(ctx)
    expect(ctx.records.map((r) => r.id)).toEqual(['snapshot-1', 'snapshot-2', 'snapshot-3'])
    expect(ctx.records[0]!.frame!.source).toEqual({ width: 490, height: 353 })
    expect(ctx.records[0]!.runLocalId).toBe(true)
    expect(ctx.rejections).toEqual([])
  })

  it('rejects and counts every kind of failure, never fatal, and goes on', async () => {
    // one answer of each kind, then good frames
    const cam = await camera((_req, res, n) => {
      if (n === 1) return void res.writeHead(503).end('busy')
      if (n === 2) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>')
      if (n === 3) return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end('garbage')
      if (n === 4) return // never answers: the timeout
      if (n === 5) return void res.destroy()
      jpeg(res)
    })
    const ctx = frameContext({ onRecord: () => ctx.stop() })
    await new SnapshotSource({ url: cam.url, intervalMs: 1, timeoutMs: 300, maxBackoffMs: 1, random: () => 0 }).run(ctx)
    expect(ctx.rejections.map((r) => r.code)).toEqual(['AGENT_SNAPSHOT_FAILED', 'AGENT_FRAME_INVALID', 'AGENT_FRAME_INVALID', 'AGENT_SNAPSHOT_FAILED', 'AGENT_SNAPSHOT_FAILED'])
    const messages = ctx.rejections.map((r) => r.message)
    expect(messages[0]).toMatch(/answered 503/)
    expect(messages[1]).toMatch(/text\/html, not an image/)
    expect(messages[2]).toMatch(/IMAGE_DECODE_FAILED/)
    expect(messages[3]).toMatch(/timeout/)
    expect(messages[4]).toMatch(/cannot reach the camera/)
    expect(ctx.rejections.every((r) => r.where === cam.url)).toBe(true)
    // the sixth request is the first frame: counted as the first snapshot
    expect(ctx.records.map((r) => r.id)).toEqual(['snapshot-2'])
  })

  it('backs off while the camera is down, and polls at the interval again once it is back', async () => {
    let down = true
    const cam = await camera((_req, res) => (down ? res.writeHead(500).end() : jpeg(res)))
    const ctx = frameContext({ onRecord: () => ctx.records.length >= 3 && ctx.stop() })
    const running = new SnapshotSource({ url: cam.url, intervalMs: 10, maxBackoffMs: 400, random: () => 1 }).run(ctx)
    await sleep(1500)
    // at the interval, 1.5 s would be ~150 requests; backing off (100, 200, 400, 400… ms at least) leaves a handful
    expect(cam.requests()).toBeGreaterThanOrEqual(2)
    expect(cam.requests()).toBeLessThanOrEqual(8)
    down = false
    await running
    expect(ctx.rejections.length).toBe(ctx.rejections.filter((r) => r.code === 'AGENT_SNAPSHOT_FAILED').length)
  })

  it('drops and counts a snapshot that finds the queue full (live)', async () => {
    const cam = await camera((_req, res) => jpeg(res))
    const ctx = frameContext({ room: 0 })
    const running = new SnapshotSource({ url: cam.url, intervalMs: 10 }).run(ctx)
    await until(() => ctx.rejections.length >= 2)
    ctx.stop()
    await running
    expect(ctx.rejections[0]).toEqual({ code: 'AGENT_QUEUE_FULL', message: 'queue full: snapshot dropped', where: cam.url })
  })

  it('refuses what is not an http(s) URL', () => {
    expect(() => new SnapshotSource({ url: 'rtsp://camera/stream' })).toThrow(/http:\/\/ or https:\/\//)
    expect(() => new SnapshotSource({ url: 'camera.local' })).toThrow(/not a URL/)
  })
})
