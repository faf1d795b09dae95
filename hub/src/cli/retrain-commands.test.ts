import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { shippedPackageDir } from '@edgefleet/models'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../app.ts'
import { loadHubConfig } from '../config.ts'
import { ModelBlobs } from '../models/model-blobs.ts'
import { pushModel } from '../models/push-model.ts'
import { hubPaths } from '../paths.ts'
import { labelledSamples } from '../test-support/labelled-samples.ts'

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))
let dataDir: string
let app: FastifyInstance
let env: NodeJS.ProcessEnv

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-retrain-cli-'))
  const config = loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {})
  app = await build({ config: { ...config, retraining: { 'gas-sensor': { epochs: 5, canary: false } } } })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  env = { ...process.env, EDGEFLEET_HUB_API: url, EDGEFLEET_TOKEN: `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}` }
  await pushModel(shippedPackageDir('gas-sensor'), { registry: app.registry, blobs: new ModelBlobs(hubPaths(dataDir).models), keys: app.signingKeys })
})

afterEach(async () => {
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

function edgefleet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('edgefleet retrain / jobs', () => {
  it('lets a viewer token list jobs, and refuses it a retrain naming the role it needs', async () => {
    env = { ...env, EDGEFLEET_TOKEN: `watch.${(await app.registry.addCredential('operator', 'watch', 'viewer')).secret}` }
    const list = await edgefleet(['jobs'])
    expect(list.code, list.stderr).toBe(0)
    const run = await edgefleet(['retrain', 'gas-sensor'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('error HUB_ROLE_INSUFFICIENT: POST /api/v1/jobs needs an operator or admin token; yours (watch) is viewer: create one with `edgefleet token add <name> --role operator`, then pass it with --token or env EDGEFLEET_TOKEN')
    expect(await app.retraining.jobs.list({ limit: 10 })).toEqual([])
  })

  it('retrains with progress until the job ends, then lists, shows and refuses to cancel it', async () => {
    await labelledSamples(app.datasets, 6, 300)
    const run = await edgefleet(['retrain', 'gas-sensor', '--reason', 'batch 6 labels are in'])
    expect(run.code).toBe(0)
    const id = /^job (\S+) queued$/m.exec(run.stdout)?.[1]
    expect(id).toBeDefined()
    expect(run.stdout).toMatch(new RegExp(`^job ${id}: succeeded$`, 'm'))
    expect(run.stdout).toMatch(/trigger {4}manual: batch 6 labels are in/)
    expect(run.stdout).toMatch(/evaluation on the newest 60 labelled samples: accuracy \d+\.\d% vs \d+\.\d% \(passed\)/)
    expect(run.stdout).toMatch(/registered gas-sensor@1\.1\.0/)
    // progress went to stderr, stage by stage (a line every few seconds when not on a terminal)
    expect(run.stderr).toMatch(/snapshot|train/)

    const list = await edgefleet(['jobs'])
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+gas-sensor\\s+manual\\s+succeeded\\s+1\\.0\\.0\\s+1\\.1\\.0\\s+accuracy`))
    const shown = JSON.parse((await edgefleet(['jobs', 'show', id!, '--json'])).stdout) as { state: string; candidateVersion: string }
    expect(shown).toMatchObject({ state: 'succeeded', candidateVersion: '1.1.0' })
    const cancel = await edgefleet(['jobs', 'cancel', id!])
    expect(cancel.code).not.toBe(0)
    expect(cancel.stderr).toMatch(/HUB_JOB_STATE|only queued or running jobs can be cancelled/)
  })

  it('exits 1 and says why when the job cannot succeed', async () => {
    await labelledSamples(app.datasets, 6, 20)
    const run = await edgefleet(['retrain', 'gas-sensor'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/: failed$/m)
    expect(run.stdout).toMatch(/error {6}HUB_JOB_TOO_FEW_LABELS: gas-sensor has 20 labelled samples; this job needs 50/)
  })
})
