import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '@edgefleet/models'



export interface HubProcess {
  httpUrl: string
  mqttUrl: string
  child: ChildProcess
  /** stderr so far (logs) */
  logs(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `edgefleet hub` as a real process and waits until it says it is ready. */
export function startHubProcess(o: { dataDir: string; ports: number[]; extraArgs?: string[] }): Promise<HubProcess> {
  const [http, mqtt, ws] = o.ports as [number, number, number]
  // one process (node with tsx's loader), so a signal reaches the hub itself
  const child = spawn(process.execPath, [
    '--import', 'tsx', join(REPO_ROOT, 'hub/src/cli/main.ts'), 'hub', '--data-dir', o.dataDir,
    '--http-port', String(http), '--mqtt-port', String(mqtt), '--ws-port', String(ws), '--log-level', 'warn', ...(o.extraArgs ?? []),
  ], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      if (stdout.includes('edgefleet hub ready')) {
        resolve({
          httpUrl: `http://127.0.0.1:${http}`,
          mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
          child,
          logs: () => stderr,
          async stop(signal: NodeJS.Signals = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal)
            return exited
          },
        })
      }
    })
    void exited.then((code) => reject(new Error(`hub exited (${code}) before it was ready:\n${stderr}`)))
  })
}

export { freePorts } from './free-ports.ts'
