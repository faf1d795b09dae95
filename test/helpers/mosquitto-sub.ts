import { spawn } from 'node:child_process'

/** A running `mosquitto_sub`. */
export interface MosquittoSub {
  /** resolves with stdout so far once it matches `pattern` (rejects if the process ends first) */
  waitFor(pattern: RegExp): Promise<string>
  /** resolves when the process has ended */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>
  /** ends it (SIGTERM) if still running, and waits */
  stop(): Promise<void>
}

/**
 * Starts `binary` (mosquitto_sub) with `args`; pass `-W <s>` so that it always ends on its own.
 * Writing to a pipe, mosquitto_sub buffers its output until it exits; coreutils' `stdbuf -oL` makes
 * it line-buffered, so that {@link MosquittoSub.waitFor} sees `Subscribed` (with `-d`) when it happens.
 */
export function startMosquittoSub(binary: string, args: readonly string[]): MosquittoSub {
  const child = spawn('stdbuf', ['-oL', binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const waiters: { pattern: RegExp; resolve: (s: string) => void }[] = []
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stdout)) w.resolve(stdout)
      else waiters.push(w)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
  return {
    exited,
    waitFor: (pattern) =>
      pattern.test(stdout)
        ? Promise.resolve(stdout)
        : Promise.race([
            new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
            exited.then((r) => Promise.reject(new Error(`mosquitto_sub ended (${r.code}) before printing ${pattern}:\n${r.stdout}${r.stderr}`))),
          ]),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited.catch(() => undefined)
    },
  }
}
