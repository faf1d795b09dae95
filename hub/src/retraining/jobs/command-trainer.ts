import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readPackage, writePackage } from '@edgefleet/models'
import { HubError } from '../../errors.ts'
import { newestRows, type Trainer, type TrainInput, type TrainOutput } from './trainer.ts'

/** Most of the trainer's stderr kept for the job's error message. */
const STDERR_TAIL = 4096
const PROGRESS_LINE = /^progress (\d+)\/(\d+)(?:\s+(.*))?$/

/**
 * An external trainer: `argv` runs with `{dataset}` (a JSONL file of the training rows: `{features, label, ts}` per
 * line; the holdout is left out), `{parent}` (the parent package's directory), `{out}` (where it must write the
 * candidate package) and `{version}` (the version the candidate must carry) replaced, also given as
 * EDGEFLEET_DATASET, EDGEFLEET_PARENT, EDGEFLEET_OUT, EDGEFLEET_VERSION and EDGEFLEET_MODEL. Lines
 * `progress <done>/<total> [message]` on its stdout show as the job's progress. It succeeds by exiting 0 with a
 * package in `{out}`; the hub then evaluates and registers it exactly as a built-in candidate.
 */
export function commandTrainer(argv: readonly string[], timeoutMs: number): Trainer {
  return {
    name: `command: ${argv.join(' ')}`.slice(0, 256),
    async train(i: TrainInput): Promise<TrainOutput> {
      const parentDir = join(i.workDir, 'parent')
      await writePackage(parentDir, i.parent.manifest, i.parent.onnx)
      const holdout = newestRows(i.rows, i.holdoutFraction)
      const held = new Set(holdout)
      const dataset = join(i.workDir, 'train.jsonl')
      await writeFile(dataset, i.rows.filter((_, k) => !held.has(k)).map((r) => JSON.stringify({ features: r.features, label: r.label, ts: r.ts })).join('\n') + '\n')
      const vars: Record<string, string> = { dataset, parent: parentDir, out: i.outDir, version: i.version }
      const [command, ...args] = argv.map((a) => a.replace(/\{(dataset|parent|out|version)\}/g, (_, k: string) => vars[k]!))
      await run(command!, args, {
        env: { ...process.env, EDGEFLEET_DATASET: dataset, EDGEFLEET_PARENT: parentDir, EDGEFLEET_OUT: i.outDir, EDGEFLEET_VERSION: i.version, EDGEFLEET_MODEL: i.model },
        cwd: i.workDir, timeoutMs, signal: i.signal,
        onLine: (line) => {
          const m = PROGRESS_LINE.exec(line.trim())
          if (m) i.onProgress({ stage: 'external', done: Number(m[1]), total: Number(m[2]), ...(m[3] ? { message: m[3] } : {}) })
        },
      })
      if (!existsSync(join(i.outDir, 'manifest.json'))) throw new HubError('HUB_JOB_FAILED', `the trainer exited 0 but wrote no package to ${i.outDir} (manifest.json and the ONNX file it names)`)
      const pkg = await readPackage(i.outDir).catch((err: Error) => {
        throw new HubError('HUB_JOB_FAILED', `the trainer's package in ${i.outDir} is not valid: ${err.message}`)
      })
      if (pkg.manifest.name !== i.model || pkg.manifest.version !== i.version) {
        throw new HubError('HUB_JOB_FAILED', `the trainer wrote ${pkg.manifest.name}@${pkg.manifest.version}; it must write ${i.model}@${i.version} (given as {version} / EDGEFLEET_VERSION)`)
      }
      return { dir: i.outDir, holdout }
    },
  }
}

function run(command: string, args: string[], o: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number; signal: AbortSignal; onLine(line: string): void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let pending = ''
    let stopped: string | null = null
    const stop = (why: string): void => {
      stopped ??= why
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 5000).unref()
    }
    const timer = setTimeout(() => stop(`it ran longer than ${Math.round(o.timeoutMs / 1000)} s (policy trainerTimeout)`), o.timeoutMs)
    const onAbort = (): void => stop('the job was cancelled')
    o.signal.addEventListener('abort', onAbort, { once: true })
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) o.onLine(line)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL)
    })
    child.on('error', (err) => {
      clearTimeout(timer)
      o.signal.removeEventListener('abort', onAbort)
      reject(new HubError('HUB_JOB_FAILED', `cannot start the trainer ${JSON.stringify(command)}: ${err.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      o.signal.removeEventListener('abort', onAbort)
      if (pending !== '') o.onLine(pending)
      if (stopped && o.signal.aborted) return reject(o.signal.reason as Error)
      if (stopped) return reject(new HubError('HUB_JOB_FAILED', `the trainer was stopped: ${stopped}`))
      if (code === 0) return resolve()
      const tail = stderr.trim().split('\n').slice(-5).join(' | ')
      reject(new HubError('HUB_JOB_FAILED', `the trainer exited with ${code !== null ? `code ${code}` : `signal ${signal}`}${tail ? `: ${tail}` : ''}`))
    })
  })
}
