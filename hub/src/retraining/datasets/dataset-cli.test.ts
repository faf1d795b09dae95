import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { DatasetSnapshotView, DatasetSummary } from '@edgefleet/protocol'
import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'
import { samplesMessage } from './dataset-fixtures.ts'
import { SqliteDatasets } from './sqlite-datasets.ts'

const REPO_ROOT = resolve(import.meta.dirname, '../../../..')
const LABELS_CSV = 'device_id,sample_id,label,ts,source\r\npi-01,s1,A,100,lab\r\npi-01,s2,"A",,\r\npi-02,s9,B,,\r\n'
const SAMPLES = samplesMessage({ items: [{ id: 's1', ts: 10, predicted: 'A' }, { id: 's2', ts: 20, predicted: 'B' }, { id: 's3', ts: 30, reason: 'drift' }] })

/** `edgefleet …` as a user runs it: a fresh process, its exit code and output. */
function edgefleet(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'hub/src/cli/main.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

let dir: string
let csv: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-dataset-cli-'))
  csv = join(dir, 'labels.csv')
  await writeFile(csv, LABELS_CSV)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

// each run is a fresh tsx process (seconds on a busy machine): generous, so slowness never fails a test
describe('edgefleet dataset', { timeout: 300_000 }, () => {
  it('imports labels and shows the dataset on a local data directory; a bad line is refused naming it', async () => {
    const dataDir = join(dir, 'hub')
    const store = await SqliteDatasets.open({ dataDir })
    await store.putSamples(SAMPLES)
    await store.close()

    const imported = await edgefleet(['dataset', 'labels', 'import', csv, '--data-dir', dataDir])
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toBe(`stored 3 of 3 labels from ${csv}; 1 await their sample and join it when it arrives\n`)

    const shown = await edgefleet(['dataset', 'show', 'gas-sensor', '--data-dir', dataDir])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('gas-sensor: 3 samples, 2 labelled')
    expect(shown.stdout).toContain('by reason: random 2, drift 1')
    expect(shown.stdout).toMatch(/VERSION\s+LABELLED\s+CORRECT\s+ACCURACY\n1\.0\.0\s+2\s+1\s+50\.0%/)
    const json = JSON.parse((await edgefleet(['dataset', 'show', 'gas-sensor', '--data-dir', dataDir, '--json'])).stdout) as DatasetSummary
    expect(json).toMatchObject({ samples: 3, labelled: 2, byClass: { A: 2 }, accuracyByVersion: [{ version: '1.0.0', accuracy: 0.5 }] })

    await writeFile(csv, 'device_id,sample_id,label\npi-01,s3,C\npi-01,"s3,C\n')
    const bad = await edgefleet(['dataset', 'labels', 'import', csv, '--data-dir', dataDir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`HUB_USAGE: ${csv} line 3 has a quoted field that never ends`)
    expect((await edgefleet(['dataset', 'show', 'gas-sensor', '--data-dir', dataDir, '--json'])).stdout).toContain('"labelled": 2')
  })

  it('works through a running hub with --hub and an operator token', async () => {
    const app: FastifyInstance = await build({ config: loadHubConfig({ dataDir: join(dir, 'hub'), mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent' }, {}) })
    try {
      const hub = await app.listen({ host: '127.0.0.1', port: 0 })
      const env = { EDGEFLEET_TOKEN: `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}` }
      await app.datasets.putSamples(SAMPLES)
      const announced: [string, number][] = []
      app.labelArrivals.subscribe((model, count) => announced.push([model, count]))

      const imported = await edgefleet(['dataset', 'labels', 'import', csv, '--hub', hub, '--json'], env)
      expect(imported.code, imported.stderr).toBe(0)
      expect(JSON.parse(imported.stdout)).toEqual({ file: csv, labels: 3, stored: 3, awaitingSample: 1 })
      expect(announced).toEqual([['gas-sensor', 2]])

      const shown = await edgefleet(['dataset', 'show', 'gas-sensor', '--hub', hub], env)
      expect(shown.stdout).toMatch(/1\.0\.0\s+2\s+1\s+50\.0%/)
      const snapshot = await edgefleet(['dataset', 'snapshot', 'gas-sensor', '--hub', hub, '--json'], env)
      expect(snapshot.code, snapshot.stderr).toBe(0)
      expect(JSON.parse(snapshot.stdout)).toMatchObject({ snapshot: 1, rows: 2, byClass: { A: 2 }, reason: 'manual' } satisfies Partial<DatasetSnapshotView>)
      const list = await edgefleet(['dataset', 'snapshots', 'gas-sensor', '--hub', hub], env)
      expect(list.stdout).toMatch(/SNAPSHOT\s+CREATED\s+ROWS[^\n]*\n1\s+\S+ \S+\s+2\s+1970-01-01 00:00:00Z/)

      const noToken = await edgefleet(['dataset', 'show', 'gas-sensor', '--hub', hub], { EDGEFLEET_TOKEN: '' })
      expect([noToken.code, noToken.stderr]).toEqual([2, expect.stringContaining('operator token')])
      const both = await edgefleet(['dataset', 'show', 'gas-sensor', '--hub', hub, '--data-dir', dir], env)
      expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('pass one of them')])
    } finally {
      await app.close()
    }
  })
})
