import { resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/agent-process.ts'

const edgefleet = (args: readonly string[]) => runCli('hub/src/cli/main.ts', args)

describe('edgefleet CLI', () => {
  it('has --help on every command', async () => {
    for (const cmd of [[], ['data'], ['data', 'fetch'], ['data', 'where'], ['model'], ['model', 'build'], ['model', 'import'], ['model', 'train'], ['alerts'], ['alerts', 'list'], ['alerts', 'ack']]) {
      const r = await edgefleet([...cmd, '--help'])
      expect(r.code, cmd.join(' ')).toBe(0)
      expect(r.stdout).toContain('Usage: edgefleet')
    }
  })

  it('reports the shipped package it built, with its metrics, as JSON', async () => {
    const r = await edgefleet(['model', 'build', 'gas-sensor', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const [report] = JSON.parse(r.stdout) as { name: string; dir: string; skipped: boolean; metrics: Record<string, number> }[]
    // the suite's global setup built it from the same data, so this run finds it up to date
    expect(report).toMatchObject({ name: 'gas-sensor', dir: shippedPackageDir('gas-sensor'), skipped: true })
    expect(report!.metrics.holdoutAccuracy).toBeGreaterThan(0.9)
  })

  it('refuses unknown models and data groups with exit code 2', async () => {
    const model = await edgefleet(['model', 'build', 'resnet'])
    expect(model.code).toBe(2)
    expect(model.stderr).toContain('unknown model "resnet"')
    const data = await edgefleet(['data', 'fetch', '--only', 'imagenet', '--dest', '/tmp/never'])
    expect(data.code).toBe(2)
    expect(data.stderr).toContain('imagenet')
  })

  it('refuses a model import without a name, and a training run without a label, before any work', async () => {
    const nameless = await edgefleet(['model', 'import', 'model.onnx'])
    expect(nameless.code).toBe(1)
    expect(nameless.stderr).toMatch(/error IMPORT_SPEC_INVALID: the spec given by the flags is not valid:\n {2}\/: must have required properties? name/)
    const labelless = await edgefleet(['model', 'train', '--csv', 'data.csv', '--name', 'x'])
    expect(labelless.code).toBe(2)
    expect(labelless.stderr).toContain("required option '--label <column>' not specified")
  })

  it('says where the data directory is, and names the flag when the data is missing', async () => {
    const where = await edgefleet(['data', 'where'])
    expect(where.stdout.trim()).toBe(resolveDataDir())
    const missing = await edgefleet(['model', 'build', 'gas-sensor', '--data-dir', '/nonexistent', '--force'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/--data-dir[\s\S]*edgefleet data fetch/)
  })
})
