import { join } from 'node:path'
import type { ImagePreprocessing } from '@edgefleet/protocol'
import { AgentError, silentLogger, type Logger } from '../errors.ts'
import { listFrames } from './frame-files.ts'
import { framePreprocessing, prepareRecord } from './frame-record.ts'
import { Pacer } from './pacer.ts'
import type { Source, SourceContext } from './source.ts'
import { watchFrames } from './watch-frames.ts'

/** Options of {@link FrameDirSource}. */
export interface FrameDirSourceOptions {
  /** the directory of frames (JPEG, PNG, WebP, AVIF, GIF, TIFF) */
  dir: string
  /** replay: start again from the first frame after the last, until stopped */
  loop?: boolean
  /** serve the frames a camera writes after the start (live) instead of replaying the directory */
  watch?: boolean
  /** replay: at most this many frames per second (default: as fast as the model takes them) */
  fps?: number
  /** watch: a new file is complete once its size and mtime have held still this long, ms (default 200) */
  settleMs?: number
  /** watch: list the directory at least this often, besides change events, ms (default 1000) */
  rescanMs?: number
  logger?: Logger
}

/** Defaults of {@link FrameDirSourceOptions}. */
export const FRAME_DIR_DEFAULTS = { settleMs: 200, rescanMs: 1000 } as const

/**
 * Camera frames from a directory, each prepared with sharp for the served image model and named by
 * its file name. Replay reads the frames in name order (numbers compared as numbers), paced by `fps`,
 * and waits while the queue is full; `loop` starts over at the end. `watch` serves each frame a camera
 * completes after the start (see {@link watchFrames}) and, being live, drops and counts
 * (AGENT_QUEUE_FULL) a frame that finds the queue full. A file that does not decode is rejected
 * (AGENT_FRAME_INVALID) and the rest go on.
 */
export class FrameDirSource implements Source {
  readonly name: string
  readonly input = 'image'

  constructor(private readonly o: FrameDirSourceOptions) {
    if (o.watch && o.loop) throw new AgentError('AGENT_USAGE', '--loop replays a directory; --watch serves new frames as they come: choose one')
    if (o.fps !== undefined && !(o.fps > 0)) throw new AgentError('AGENT_USAGE', `--fps must be positive, got ${o.fps}`)
    this.name = `frames:${o.dir}`
  }

  async run(ctx: SourceContext): Promise<void> {
    const pre = framePreprocessing(ctx, this.name)
    if (this.o.watch) await this.watch(ctx, pre)
    else await this.replay(ctx, pre)
  }

  private async replay(ctx: SourceContext, pre: ImagePreprocessing): Promise<void> {
    const pacer = this.o.fps ? new Pacer(this.o.fps) : undefined
    do {
      const names = await listFrames(this.o.dir)
      if (names.length === 0) {
        if (this.o.loop) throw new AgentError('AGENT_SOURCE_FAILED', `no frames to loop over in ${this.o.dir}: it holds no .jpg, .png, .webp, .avif, .gif or .tif files`)
        return
      }
      for (const name of names) {
        if (pacer) await pacer.wait(ctx.signal)
        if (ctx.signal.aborted) return
        const prepared = await prepareRecord(join(this.o.dir, name), name, Date.now(), pre)
        if ('rejection' in prepared) {
          ctx.reject({ ...prepared.rejection, where: join(this.o.dir, name) })
          continue
        }
        if (!(await ctx.push(prepared.record))) return
      }
    } while (this.o.loop && !ctx.signal.aborted)
  }

  private async watch(ctx: SourceContext, pre: ImagePreprocessing): Promise<void> {
    const frames = watchFrames(this.o.dir, {
      settleMs: this.o.settleMs ?? FRAME_DIR_DEFAULTS.settleMs,
      rescanMs: this.o.rescanMs ?? FRAME_DIR_DEFAULTS.rescanMs,
      signal: ctx.signal,
      onStart: (existing) => (this.o.logger ?? silentLogger).info({ dir: this.o.dir, existing }, `watching for new frames (the ${existing} already there are not served)`),
    })
    for await (const name of frames) {
      const where = join(this.o.dir, name)
      const prepared = await prepareRecord(where, name, Date.now(), pre)
      if ('rejection' in prepared) ctx.reject({ ...prepared.rejection, where })
      else if (!ctx.tryPush(prepared.record)) ctx.reject({ code: 'AGENT_QUEUE_FULL', message: 'queue full: frame dropped', where })
    }
  }
}
