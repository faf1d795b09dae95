/**
 * Agent throughput vs raw onnxruntime, side by side in one run, on the shipped gas-sensor model.
 *
 *   pnpm bench [--seconds 3] [--repeat 20]
 *
 * raw       session.run on pre-standardised tensors in this process: the ceiling. Batch 1 and 64,
 *           wasm (onnxruntime-web) and native (onnxruntime-node), the agent's session options.
 * pipeline  the agent library's pipeline in this process fed pre-parsed readings from memory:
 *           queue → standardise → micro-batch → session.run → read outputs → JSONL to /dev/null.
 *           Its gap to raw is the pipeline's own overhead.
 * agent     the edgefleet-agent CLI, bundled with esbuild and run on plain `node` as on a device,
 *           replaying every gas-sensor CSV `--repeat` times to /dev/null; readings/s from its own
 *           summary (pipeline start to end, model load excluded), peak RSS of the process.
 *           CSV parsing is part of this figure; `+worker` parses on a second thread.
 */
import { spawn } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createBackend, JsonlSink, runPipeline, TabularModel, type Source } from '@edgefleet/edge-agent'
import { dataPaths, readPackage, requireDataPath, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { bundleAgent } from './agent-bundle.ts'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, repeat: { type: 'string', default: '20' }, help: { type: 'boolean', short: 'h' } },
})
if (values.help) {
  process.stdout.write('Usage: pnpm bench [--seconds S per in-process measurement, default 3] [--repeat R passes over the CSVs per agent run, default 20]\n')
  process.exit(0)
}
const seconds = Number(values.seconds)
const repeat = Number(values.repeat)

const packageDir = shippedPackageDir('gas-sensor')
const pkg = await readPackage(packageDir).catch((err: Error) => {
  process.stderr.write(`${err.message}\nBuild it first: pnpm edgefleet model build gas-sensor\n`)
  process.exit(1)
})
const input = pkg.manifest.inputs[0]!
if (input.preprocessing.type !== 'standardize') throw new Error('expected a standardised tabular model')
const width = input.features!.length
const gasDir = requireDataPath(dataPaths(resolveDataDir()).gasSensor, 'The gas-sensor CSVs')
const csvFiles = readdirSync(gasDir).filter((f) => /^batch\d+\.csv$/.test(f)).sort().map((f) => join(gasDir, f))

// every real reading: raw values (for the pipeline) and standardised exactly as the agent does (for raw runs)
const lines = csvFiles.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim().length > 0))
const rawRows = lines.map((line) => Float64Array.from(line.split(',').slice(2), Number))
const labels = lines.map((line) => line.split(',')[0]!)
const standardised = new Float32Array(rawRows.length * width)
const { mean, std } = input.preprocessing
rawRows.forEach((row, i) => row.forEach((v, j) => (standardised[i * width + j] = (v - mean[j]!) / (std[j]! > 0 ? std[j]! : 1))))
const onnx = readFileSync(pkg.onnxPath)

type Kind = 'wasm' | 'native'
interface OrtLike {
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown
  InferenceSession: { create(model: Uint8Array, o: object): Promise<{ run(feeds: Record<string, unknown>): Promise<unknown>; release(): Promise<void> }> }
  env: { wasm: { numThreads: number } }
}

/** Runs `step` repeatedly for `seconds` after a warm-up; returns readings per second. */
async function timed(step: (i: number) => Promise<number>): Promise<number> {
  for (let i = 0; i < 200; i++) await step(i)
  let readings = 0
  const t0 = performance.now()
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) readings += await step(i)
  return readings / ((performance.now() - t0) / 1000)
}

async function rawThroughput(kind: Kind, batch: number): Promise<number> {
  const ort = (kind === 'wasm' ? await import('onnxruntime-web') : await import('onnxruntime-node')) as unknown as OrtLike
  if (kind === 'wasm') ort.env.wasm.numThreads = 1
  const options = kind === 'wasm'
    ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 }
    : { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3, intraOpNumThreads: 1, interOpNumThreads: 1 }
  const session = await ort.InferenceSession.create(onnx, options)
  const batches = Math.floor(rawRows.length / batch)
  const rate = await timed(async (i) => {
    const b = i % batches
    await session.run({ [input.name]: new ort.Tensor('float32', standardised.subarray(b * batch * width, (b + 1) * batch * width), [batch, width]) })
    return batch
  })
  await session.release()
  return rate
}

/** The agent's pipeline in-process, fed from memory: everything but file reading and parsing. */
async function pipelineThroughput(kind: Kind, batch: number): Promise<number> {
  const model = new TabularModel(pkg.manifest, await createBackend(kind, onnx))
  const out = createWriteStream('/dev/null', { highWaterMark: 1 << 20 })
  const sink = new JsonlSink(out)
  const passes = 4
  const memory: Source = {
    name: 'memory',
    async run(ctx) {
      for (let pass = 0; pass < passes; pass++) {
        for (let i = 0; i < rawRows.length; i++) {
          const record = { id: `r${i}`, ts: 0, values: rawRows[i]!, actual: labels[i]! }
          if (!(ctx.tryPush(record) || (await ctx.push(record)))) return
        }
      }
    },
  }
  await runPipeline({ model, sources: [memory], sink, batchSize: batch }) // warm-up
  const t0 = performance.now()
  const stats = await runPipeline({ model, sources: [memory], sink, batchSize: batch })
  const rate = stats.predictions / ((performance.now() - t0) / 1000)
  await sink.close()
  await model.backend.close()
  out.end()
  return rate
}

interface AgentSummary { predictions: number; predictionsPerS: number; maxRssMB: number }

function agentThroughput(bundle: string, kind: Kind, batch: number, worker: boolean, files = Array.from({ length: repeat }, () => csvFiles).flat(), extra: string[] = []): Promise<AgentSummary> {
  const args = [
    bundle, 'run', '--model', packageDir, '--backend', kind, '--batch-size', String(batch),
    '--columns', 'gas,concentration,*', '--label-column', 'gas', '--out', '/dev/null', '--summary', '--json',
    ...(worker ? ['--parse-worker'] : []),
    ...extra,
    ...files.flatMap((f) => ['--csv', f]),
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`agent exited ${code}: ${stderr}`))
      resolve(JSON.parse(stderr.trim().split('\n').at(-1)!) as AgentSummary)
    })
  })
}

const bundle = await bundleAgent()
const n = (v: number): string => Math.round(v).toLocaleString('en-US').padStart(10)
const pct = (a: number, b: number): string => `${(100 * a / b).toFixed(0).padStart(4)} %`
process.stdout.write(
  `gas-sensor@${pkg.manifest.version}: ${width} features → ${pkg.manifest.outputs[0]!.labels!.length} classes; ${rawRows.length} real readings; ` +
    `in-process cells ${seconds} s; agent replays ${rawRows.length * repeat} readings; node ${process.version}\n\n` +
    'backend batch |   raw run/s | pipeline/s  (of raw) |  agent/s  (of raw)  RSS MB | agent+worker/s (of raw)  RSS MB\n',
)
const rows: Record<string, { raw: number; pipeline: number; agent: AgentSummary; worker: AgentSummary }> = {}
for (const kind of ['wasm', 'native'] as const) {
  for (const batch of [1, 64]) {
    const raw = await rawThroughput(kind, batch)
    const pipeline = await pipelineThroughput(kind, batch)
    const agent = await agentThroughput(bundle, kind, batch, false)
    const worker = await agentThroughput(bundle, kind, batch, true)
    rows[`${kind}/${batch}`] = { raw, pipeline, agent, worker }
    process.stdout.write(
      `${kind.padEnd(7)} ${String(batch).padStart(5)} | ${n(raw)}  | ${n(pipeline)} ${pct(pipeline, raw)}  | ${n(agent.predictionsPerS)} ${pct(agent.predictionsPerS, raw)} ${agent.maxRssMB.toFixed(0).padStart(6)} | ` +
        `${n(worker.predictionsPerS)}     ${pct(worker.predictionsPerS, raw)} ${worker.maxRssMB.toFixed(0).padStart(6)}\n`,
    )
  }
}
process.stdout.write('\nmicro-batching gain, batch 64 over batch 1:\n')
for (const kind of ['wasm', 'native'] as const) {
  const a = rows[`${kind}/1`]!
  const b = rows[`${kind}/64`]!
  process.stdout.write(
    `  ${kind.padEnd(7)} raw ${(b.raw / a.raw).toFixed(1)}×   pipeline ${(b.pipeline / a.pipeline).toFixed(1)}×   agent ${(b.agent.predictionsPerS / a.agent.predictionsPerS).toFixed(1)}×   agent+worker ${(b.worker.predictionsPerS / a.worker.predictionsPerS).toFixed(1)}×\n`,
  )
}
const peak = Math.max(...Object.values(rows).flatMap((r) => [r.agent.maxRssMB]))
process.stdout.write(`peak agent RSS (inline parsing): ${peak.toFixed(0)} MB\n`)
// the floor: the same bundled agent on the smallest batch file only (model loaded, a few batches run)
const smallest = csvFiles.reduce((a, b) => (readFileSync(a).length <= readFileSync(b).length ? a : b))
for (const kind of ['wasm', 'native'] as const) {
  const probe = await agentThroughput(bundle, kind, 64, false, [smallest])
  process.stdout.write(`agent RSS on a short run (${probe.predictions} readings), ${kind}: ${probe.maxRssMB.toFixed(0)} MB\n`)
}
// what drift monitoring (on by default: a summary per 100-reading window, judged on the device) costs the agent
process.stdout.write('\ndrift monitoring cost, agent wasm batch 64 (default window: 100 readings):\n')
const withDrift = rows['wasm/64']!.agent.predictionsPerS
const noDrift = await agentThroughput(bundle, 'wasm', 64, false, undefined, ['--no-drift'])
process.stdout.write(`  --no-drift ${n(noDrift.predictionsPerS)}/s   drift on ${n(withDrift)}/s   (${pct(withDrift, noDrift.predictionsPerS)} of --no-drift)\n`)

