import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from '@edgefleet/models'
import type { ProcessResult } from './agent-process.ts'

// tsx's loader in this very process: the tsx CLI would run the agent in a child of its own, which a
// SIGKILL of the CLI would leave running
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** An agent CLI process the test controls while it runs (signals, SIGKILL), with its output so far. */
export interface AgentChild {
  readonly child: ChildProcess
  readonly stdout: string
  readonly stderr: string
  /** resolves when the process has exited */
  readonly exited: Promise<ProcessResult>
  /** SIGKILLs the process if it still runs, and waits for it: for teardown */
  stop(): Promise<void>
}

/** Starts `edgefleet-agent` as a real process; stdin is closed, or with `stdin: 'open'` a pipe that stays open. */
export function startAgent(args: readonly string[], o: { env?: NodeJS.ProcessEnv; stdin?: 'closed' | 'open' } = {}): AgentChild {
  const child = spawn(process.execPath, ['--import', tsxLoader, join(REPO_ROOT, 'edge-agent/src/cli/main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env },
    stdio: [o.stdin === 'open' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
  return {
    child,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    async stop() {
      child.stdin?.destroy()
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited.catch(() => undefined)
    },
  }
}
