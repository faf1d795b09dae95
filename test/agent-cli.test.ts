import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dataPaths, readPackage, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { describe, expect, it } from 'vitest'
import { parseJsonl, runAgent } from './helpers/agent-process.ts'

const gasDir = dataPaths(resolveDataDir()).gasSensor
const batch = (n: number): string => join(gasDir, `batch${n}.csv`)
const csvRows = (n: number): string[] => readFileSync(batch(n), 'utf8').split('\n').filter((l) => l.length > 0)
const GAS_ARGS = ['--columns', 'gas,concentration,*', '--label-column', 'gas']

describe('edgefleet-agent run on real gas-sensor data', () => {
  it('predicts every reading of batch 3 with the accuracy the build measured', async () => {
    const { manifest } = await readPackage(shippedPackageDir('gas-sensor'))
    const expected = manifest.training.evaluations.find((e) => e.dataset.includes('batch 3') || e.dataset.includes('batch3'))
    expect(expected, 'the build records an evaluation for batch 3').toBeDefined()

    const r = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--csv', batch(3), ...GAS_ARGS])
    expect(r.code, r.stderr).toBe(0)
    const predictions = parseJsonl(r.stdout)
    const rows = csvRows(3)
    expect(predictions).toHaveLength(rows.length)
    // every prediction names its input, the model version, and carries a latency
    expect(predictions[0]).toMatchObject({ id: 'batch3.csv:1', model: 'gas-sensor', version: manifest.version, actual: rows[0]!.split(',')[0] })
    for (const p of predictions) {
      expect(manifest.outputs[0]!.labels).toContain(p.label)
      expect(p.latencyMs).toBeGreaterThan(0)
    }
    const correct = predictions.filter((p) => p.label === p.actual).length
    // the agent (WASM, micro-batched) reproduces the accuracy the builder measured with onnxruntime
    expect(Math.abs(correct / rows.length - expected!.accuracy!)).toBeLessThanOrEqual(1 / rows.length)
  })

  it('reports accuracy per batch in its summary, and it falls as the sensors drift', async () => {
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(1), '--csv', batch(9), ...GAS_ARGS, '--format', 'none', '--summary', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { predictions: number; sources: Record<string, { readings: number; accuracy: number }> }
    expect(summary.predictions).toBe(csvRows(1).length + csvRows(9).length)
    const early = summary.sources[`csv:${batch(1)}`]!
    const late = summary.sources[`csv:${batch(9)}`]!
    expect(early.readings).toBe(csvRows(1).length)
    expect(early.accuracy).toBeGreaterThan(0.9)
    expect(late.accuracy).toBeLessThan(early.accuracy)
  })

  it('reads JSONL readings from stdin, rejecting and counting bad lines without stopping', async () => {
    const { manifest } = await readPackage(shippedPackageDir('gas-sensor'))
    const names = manifest.inputs[0]!.features!.map((f) => f.name)
    const lines = csvRows(2).slice(0, 5).map((row, i) => {
      const cells = row.split(',')
      return JSON.stringify({ id: `r${i}`, label: cells[0], ...Object.fromEntries(names.map((n, j) => [n, Number(cells[j + 2])])) })
    })
    const bad = ['{not json', JSON.stringify({ id: 'x', [names[0]!]: 'high' }), JSON.stringify({ id: 'y' }), '[1,2]']
    const r = await runAgent(['run', '--model', 'gas-sensor', '--stdin', '--summary', '--json'], { stdin: [lines[0], ...bad, ...lines.slice(1)].join('\n') })
    expect(r.code, r.stderr).toBe(0)
    expect(parseJsonl(r.stdout).map((p) => p.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { rejected: Record<string, number> }
    expect(summary.rejected).toEqual({ AGENT_READING_INVALID: 2, AGENT_FEATURE_NOT_NUMERIC: 1, AGENT_FEATURE_MISSING: 1 })
    expect(r.stderr).toContain('stdin:2')
  })

  it('replays a JSONL file with the same predictions as the CSV it came from', async () => {
    const { manifest } = await readPackage(shippedPackageDir('gas-sensor'))
    const names = manifest.inputs[0]!.features!.map((f) => f.name)
    const rows = csvRows(8).slice(0, 30)
    const file = join(mkdtempSync(join(tmpdir(), 'ef-jsonl-')), 'batch8.jsonl')
    writeFileSync(file, rows.map((row, i) => {
      const cells = row.split(',')
      return JSON.stringify({ id: `batch8.csv:${i + 1}`, label: cells[0], ...Object.fromEntries(names.map((n, j) => [n, cells[j + 2]!.trim()])) })
    }).join('\n'))
    const fromJsonl = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--jsonl', file])
    const fromCsv = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--csv', batch(8), ...GAS_ARGS])
    expect(fromJsonl.code, fromJsonl.stderr).toBe(0)
    const pick = (out: string): unknown[] => parseJsonl(out).slice(0, 30).map((p) => [p.id, p.label, p.confidence, p.actual])
    expect(pick(fromJsonl.stdout)).toEqual(pick(fromCsv.stdout))
  })

  it('rejects malformed CSV rows by line and predicts the rest', async () => {
    const rows = csvRows(1).slice(0, 4)
    const broken = rows[1]!.split(',')
    broken[5] = 'n/a'
    const short = rows[2]!.split(',').slice(0, 50).join(',')
    const file = join(mkdtempSync(join(tmpdir(), 'ef-csv-')), 'bad.csv')
    writeFileSync(file, [rows[0], broken.join(','), short, rows[3]].join('\n'))
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', file, ...GAS_ARGS])
    expect(r.code, r.stderr).toBe(0)
    expect(parseJsonl(r.stdout).map((p) => p.id)).toEqual(['bad.csv:1', 'bad.csv:4'])
    expect(r.stderr).toMatch(/AGENT_FEATURE_NOT_NUMERIC.*bad\.csv:2|bad\.csv:2.*AGENT_FEATURE_NOT_NUMERIC/)
    expect(r.stderr).toMatch(/bad\.csv:3/)
  })
})

describe('CSV parsing paths give identical predictions', () => {
  it('on a worker thread (--parse-worker) as inline', async () => {
    const inline = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--csv', batch(5), '--csv', batch(4), ...GAS_ARGS])
    const worker = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--csv', batch(5), '--csv', batch(4), ...GAS_ARGS, '--parse-worker'])
    expect(worker.code, worker.stderr).toBe(0)
    const strip = (out: string): unknown[] => parseJsonl(out).map(({ ts: _ts, latencyMs: _l, ...rest }) => rest)
    expect(strip(worker.stdout)).toEqual(strip(inline.stdout))
    expect(strip(inline.stdout)).toHaveLength(csvRows(5).length + csvRows(4).length)
  })

  it('for a CSV with a header, quoted fields, CRLF line ends and reordered columns', async () => {
    const { manifest } = await readPackage(shippedPackageDir('gas-sensor'))
    const names = manifest.inputs[0]!.features!.map((f) => f.name)
    const rows = csvRows(1).slice(0, 20)
    // features in reverse order; ids with a comma and quotes need RFC 4180 quoting
    const header = ['"sample id"', 'gas', ...[...names].reverse()].join(',')
    const body = rows.map((row, i) => {
      const cells = row.trim().split(',')
      return [`"s${i}, ""lab"""`, cells[0], ...cells.slice(2).reverse()].join(',')
    })
    const dir = mkdtempSync(join(tmpdir(), 'ef-csv-'))
    const file = join(dir, 'with-header.csv')
    writeFileSync(file, [header, ...body].join('\r\n'))
    const quoted = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--csv', file, '--id-column', 'sample id', '--label-column', 'gas'])
    expect(quoted.code, quoted.stderr).toBe(0)
    const plainFile = join(dir, 'plain.csv')
    writeFileSync(plainFile, rows.join('\n'))
    const plain = await runAgent(['run', '--model', 'gas-sensor', '--backend', 'wasm', '--csv', plainFile, ...GAS_ARGS])
    const q = parseJsonl(quoted.stdout)
    const p = parseJsonl(plain.stdout)
    expect(q.map((x) => x.id)).toEqual(rows.map((_, i) => `s${i}, "lab"`))
    expect(q.map((x) => [x.label, x.confidence, x.actual])).toEqual(p.map((x) => [x.label, x.confidence, x.actual]))
  })
})

describe('edgefleet-agent usage errors', () => {
  it('exits 2 with the flag named for bad flags', async () => {
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(1), '--batch-size', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--batch-size')
    const unknown = await runAgent(['run', '--model', 'gas-sensor', '--bogus'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown option '--bogus'")
  })
  it('explains a headerless CSV whose columns it cannot map', async () => {
    const r = await runAgent(['run', '--model', 'gas-sensor', '--csv', batch(1)])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--columns')
  })
  it('has --help on every command', async () => {
    for (const cmd of [[], ['run'], ['self-test'], ['info'], ['backends']]) {
      const r = await runAgent([...cmd, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('Usage: edgefleet-agent')
    }
  })
})
