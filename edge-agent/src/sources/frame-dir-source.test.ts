import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { FrameDirSource } from './frame-dir-source.ts'
import type { SourceRecord } from './source.ts'
import { FACES, frameContext } from './test-frame-context.ts'

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-frames-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Waits (without a deadline of its own: the test's timeout is the bound) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(20)
}

describe('FrameDirSource replay', () => {
  it('replays a directory in name order, numbers as numbers, each frame prepared for the model and named by its file', async () => {
    const ctx = frameContext()
    await new FrameDirSource({ dir: FACES }).run(ctx)
    expect(ctx.records.map((r) => r.id)).toEqual(['1.jpg', '2.jpg', '3.jpg', '5.jpg', '6.jpg', '8.jpg', '10.jpg', '11.jpg', '12.jpg'])
    expect(ctx.rejections).toEqual([])
    const first = ctx.records[0]!.frame!
    expect(first.tensor.length).toBe(3 * 240 * 320)
    expect(first.statistics.length).toBe(11)
    expect(first.source).toEqual({ width: 720, height: 478 })
    expect(first.prepareMs).toBeGreaterThan(0)
  })

  it('rejects frames that do not decode (AGENT_FRAME_INVALID) and goes on; other files and hidden files are not frames', async () => {
    const dir = tempDir()
    copyFileSync(join(FACES, '8.jpg'), join(dir, 'a.jpg'))
    writeFileSync(join(dir, 'b.jpg'), 'not a jpeg at all')
    writeFileSync(join(dir, 'c.jpg'), readFileSync(join(FACES, '8.jpg')).subarray(0, 4000))
    copyFileSync(join(FACES, '2.jpg'), join(dir, 'd.JPG'))
    copyFileSync(join(FACES, '3.jpg'), join(dir, '.hidden.jpg'))
    writeFileSync(join(dir, 'notes.txt'), 'camera log')
    const ctx = frameContext()
    await new FrameDirSource({ dir }).run(ctx)
    expect(ctx.records.map((r) => r.id)).toEqual(['a.jpg', 'd.JPG'])
    expect(ctx.rejections.map((r) => [r.code, r.where])).toEqual([['AGENT_FRAME_INVALID', join(dir, 'b.jpg')], ['AGENT_FRAME_INVALID', join(dir, 'c.jpg')]])
    expect(ctx.rejections[0]!.message).toMatch(/IMAGE_DECODE_FAILED/)
  })

  it('with loop, starts over after the last frame until stopped', async () => {
    const dir = tempDir()
    for (const f of ['1.jpg', '2.jpg']) copyFileSync(join(FACES, f), join(dir, f))
    const ctx = frameContext({ onRecord: () => ctx.records.length >= 5 && ctx.stop() })
    await new FrameDirSource({ dir, loop: true }).run(ctx)
    expect(ctx.records.map((r) => r.id)).toEqual(['1.jpg', '2.jpg', '1.jpg', '2.jpg', '1.jpg'])
  })

  it('waits while the queue is full: no frame is read ahead of the one waiting', async () => {
    const ctx = frameContext()
    let release: (() => void) | undefined
    let pushes = 0
    ctx.push = async () => {
      pushes++
      await new Promise<void>((resolve) => (release = resolve))
      return false
    }
    const running = new FrameDirSource({ dir: FACES }).run(ctx)
    await until(() => pushes === 1)
    await sleep(200)
    expect(pushes).toBe(1)
    release!()
    await running
  })

  it('names the directory when it cannot be read, or has nothing to loop over', async () => {
    await expect(new FrameDirSource({ dir: '/nonexistent/frames' }).run(frameContext())).rejects.toMatchObject({ code: 'AGENT_SOURCE_FAILED', message: expect.stringMatching(/\/nonexistent\/frames \(ENOENT\)/) })
    await expect(new FrameDirSource({ dir: tempDir(), loop: true }).run(frameContext())).rejects.toMatchObject({ code: 'AGENT_SOURCE_FAILED', message: expect.stringMatching(/no frames to loop over/) })
    expect(() => new FrameDirSource({ dir: FACES, loop: true, watch: true })).toThrow(/choose one/)
  })
})

describe('FrameDirSource watch', () => {
  it('serves each frame a camera completes after the start, once: written in place or renamed into place', async () => {
    const dir = tempDir()
    const photo = readFileSync(join(FACES, '8.jpg'))
    copyFileSync(join(FACES, '1.jpg'), join(dir, 'old.jpg'))
    const ctx = frameContext()
    // a generous settle time: a slow machine must not see the half-written file as complete
    const running = new FrameDirSource({ dir, watch: true, settleMs: 1000, rescanMs: 100 }).run(ctx)
    // the frames present at the start are listed first (and skipped)
    await sleep(300)
    // written to a hidden name, then renamed into place
    writeFileSync(join(dir, '.incoming.jpg'), photo)
    renameSync(join(dir, '.incoming.jpg'), join(dir, 'a.jpg'))
    // written in place in two parts, the second a moment later
    writeFileSync(join(dir, 'b.jpg'), photo.subarray(0, photo.length >> 1))
    await sleep(150)
    appendFileSync(join(dir, 'b.jpg'), photo.subarray(photo.length >> 1))
    writeFileSync(join(dir, 'notes.txt'), 'not a frame')
    await until(() => ctx.records.length >= 2)
    // another scan or two: nothing is served twice
    await sleep(300)
    ctx.stop()
    await running
    expect(ctx.records.map((r: SourceRecord) => r.id).sort()).toEqual(['a.jpg', 'b.jpg'])
    expect(ctx.rejections).toEqual([])
    expect(ctx.records.every((r) => r.frame!.source.width === 490)).toBe(true)
  })

  it('drops and counts a frame that finds the queue full (live)', async () => {
    const dir = tempDir()
    const ctx = frameContext({ room: 0 })
    const running = new FrameDirSource({ dir, watch: true, settleMs: 50, rescanMs: 50 }).run(ctx)
    await sleep(300)
    copyFileSync(join(FACES, '8.jpg'), join(dir, 'x.jpg'))
    await until(() => ctx.rejections.length > 0)
    ctx.stop()
    await running
    expect(ctx.rejections).toEqual([{ code: 'AGENT_QUEUE_FULL', message: 'queue full: frame dropped', where: join(dir, 'x.jpg') }])
  })
})
