import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '@edgefleet/models'


export interface ProcessResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a repository CLI (`edge-agent/src/cli/main.ts`, …) as a real process with tsx. */
export function runCli(entry: string, args: readonly string[], o: { stdin?: string; env?: NodeJS.ProcessEnv; signalAfter?: (p: { stdout: string }) => boolean } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let signalled = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      if (!signalled && o.signalAfter?.({ stdout })) {
        signalled = true
        child.kill('SIGTERM')
      }
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    if (o.stdin !== undefined) child.stdin.end(o.stdin)
    else child.stdin.end()
  })
}

/** Runs `edgefleet <args> --json` and returns its parsed output; throws with stderr when it fails. */
export async function edgefleetJson<T>(args: readonly string[]): Promise<T> {
  const r = await runCli('hub/src/cli/main.ts', [...args, '--json'])
  if (r.code !== 0) throw new Error(`edgefleet ${args.join(' ')} failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

export const runAgent = (args: readonly string[], o?: Parameters<typeof runCli>[2]): Promise<ProcessResult> =>
  runCli('edge-agent/src/cli/main.ts', args, o)

/** Parses JSONL output into objects (throws on a line that is not JSON: output must be clean). */
export function parseJsonl(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>)
}
