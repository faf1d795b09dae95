/**
 * Retraining figures (tsx bench/retraining.ts): the shipped gas-sensor 1.0.0 (trained on batches 1–2)
 * side by side with candidates that `retrainClassifier` — the hub's built-in trainer — makes from the
 * labelled rows of a later period, each scored on every batch recorded after that period, on the newest
 * 20 % of the period itself (the rows the hub's evaluation gate judges on; never trained on), with
 * `--labelled N` on the rest of the period nobody labelled, and on the held-out rows of batches 1–2 (what
 * the model knew). Accuracy, macro-F1 and training time. Results: bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { readPackage, shippedPackageDir } from '@edgefleet/models'
import {
  buildShipped, DEFAULT_SEED, evaluateClassifier, gasSensorBatchRows, gasSensorInputFiles, gasSensorReference, gasSensorSplit, RETRAIN_DEFAULTS, retrainClassifier,
  type ClassifierEvaluation, type EvaluationRow, type LabelledRow,
} from '@edgefleet/models/build'
import { mulberry32 } from '@edgefleet/protocol'

const USAGE = `usage: tsx bench/retraining.ts [--train 3,4] [--train 3,4,5,6] [--labelled N] [--epochs ${RETRAIN_DEFAULTS.epochs}] [--seed 42] [--json]
  --train     a period of later batches whose labelled rows a candidate is retrained on (repeatable;
              default: 3,4 and 3,4,5,6); the candidate is scored on every batch after the period
  --labelled  retrain on only the first N rows of the period's replay, as a job does once N samples
              are labelled (default: every row)
  --epochs    training epochs (default ${RETRAIN_DEFAULTS.epochs}, the built-in trainer's)
  --seed      seeds the replay order of the period, the reference subsample and training (default 42)
  --json      print the figures as JSON instead of tables
`
const { values: args } = parseArgs({
  options: {
    train: { type: 'string', multiple: true },
    labelled: { type: 'string' },
    epochs: { type: 'string', default: String(RETRAIN_DEFAULTS.epochs) },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
})
if (args.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

const LATER = [...gasSensorInputFiles().evaluation.keys()]
const epochs = Number(args.epochs)
const seed = Number(args.seed)
const labelledCap = args.labelled === undefined ? undefined : Number(args.labelled)
const periods = (args.train ?? ['3,4', '3,4,5,6']).map((p) => p.split(',').map(Number))
for (const p of periods) {
  const bad = p.filter((b) => !LATER.includes(b))
  if (bad.length > 0 || p.length === 0) fail(`--train ${p.join(',')}: use later batches the data holds (${LATER.join(', ')})`)
  if (LATER.every((b) => b <= Math.max(...p))) fail(`--train ${p.join(',')}: no batch after it to score on`)
}
if (!Number.isInteger(epochs) || epochs < 1) fail(`--epochs must be a positive integer, got ${args.epochs}`)
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${args.seed}`)
if (labelledCap !== undefined && (!Number.isInteger(labelledCap) || labelledCap < 10)) fail(`--labelled must be an integer of at least 10, got ${args.labelled}`)

/** Accuracy and macro-F1 of one model on one set of rows. */
interface Score {
  accuracy: number
  macroF1: number
}
/** One data set scored by 1.0.0 and by the candidate. */
interface ScoreRow {
  data: string
  rows: number
  shipped: Score
  retrained: Score
}
/** One candidate: what it was trained on, how long it took, and its figures beside 1.0.0's. */
interface Scenario {
  period: number[]
  labelledRows: number
  trainedOn: { labelled: number; reference: number }
  heldOut: number
  epochs: number
  trainSeconds: number
  jobSeconds: number
  /** CPU time of this process over the whole job (user + system): steadier than wall time on a shared machine */
  jobCpuSeconds: number
  scores: ScoreRow[]
}

const say = (s: string): boolean => process.stderr.write(`${s}\n`)
say('building the shipped gas-sensor package if it is not up to date…')
await buildShipped('gas-sensor')
const shipped = shippedPackageDir('gas-sensor')
// the split the shipped build made: its training rows are mixed in, its holdout was never trained on
const buildSeed = (await readPackage(shipped)).manifest.training.seed ?? DEFAULT_SEED
const reference = gasSensorReference({ seed: buildSeed })
const knew = knownHoldout(buildSeed)
const batches = new Map(LATER.map((b) => [b, gasSensorBatchRows(b)]))
const shippedScores = new Map<string, Score>()
for (const [b, rows] of batches) shippedScores.set(`batch ${b}`, score(await evaluateClassifier(shipped, rows)))
shippedScores.set('batches 1–2 holdout', score(await evaluateClassifier(shipped, knew)))

const work = mkdtempSync(join(tmpdir(), 'ef-bench-retraining-'))
const scenarios: Scenario[] = []
try {
  for (const period of periods) scenarios.push(await scenario(period))
} finally {
  rmSync(work, { recursive: true, force: true })
}

if (args.json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, seed, epochs, scenarios }, null, 2)}\n`)
} else {
  const line = (s = ''): boolean => process.stdout.write(`${s}\n`)
  line(`gas-sensor 1.0.0 (batches 1–2) vs retrained candidates; built-in trainer (TF.js cpu, warm start from 1.0.0), seed ${seed}; node ${process.version}`)
  for (const s of scenarios) {
    line()
    line(`retrained on batches ${s.period.join(', ')}: ${s.labelledRows} labelled rows (replayed shuffled${labelledCap === undefined ? '' : `, the first ${labelledCap}`}); ${s.trainedOn.labelled} trained on + ${s.trainedOn.reference} reference rows of batches 1–2; newest ${s.heldOut} held out`)
    line(`  ${s.epochs} epochs: training ${s.trainSeconds.toFixed(1)} s, whole job (prepare → write) ${s.jobSeconds.toFixed(1)} s wall, ${s.jobCpuSeconds.toFixed(1)} s CPU`)
    line('  data                        rows | 1.0.0 acc   F1  | retrained acc   F1  | Δ acc')
    for (const r of s.scores) {
      line(`  ${r.data.padEnd(26)} ${String(r.rows).padStart(5)} | ${pct(r.shipped.accuracy)}  ${r.shipped.macroF1.toFixed(2)} | ${pct(r.retrained.accuracy).padStart(13)}  ${r.retrained.macroF1.toFixed(2)} | ${signedPoints(r.retrained.accuracy - r.shipped.accuracy)}`)
    }
  }
}

async function scenario(period: number[]): Promise<Scenario> {
  const stream = replay(period.flatMap((b) => batches.get(b)!))
  const labelled = stream.slice(0, labelledCap)
  // with --labelled, the rest of the period is what the fleet serves next: no model has seen it
  const unseen = stream.slice(labelled.length)
  const started = performance.now()
  const cpu = process.cpuUsage()
  let trainStart = 0
  let trainEnd = 0
  const result = await retrainClassifier({
    parent: shipped, labelled, reference, outDir: join(work, period.join('-')), epochs, seed,
    snapshot: { name: `batches ${period.join(', ')}` },
    onProgress: (p) => {
      if (p.stage === 'train' && p.done === 0) trainStart = performance.now()
      if (p.stage === 'train' && p.done === p.total) trainEnd = performance.now()
      if (p.stage === 'train' && p.done > 0 && (p.done % 10 === 0 || p.done === p.total)) say(`  batches ${period.join(',')}: epoch ${p.done}/${p.total} ${p.message ?? ''}`)
    },
  })
  const jobSeconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const jobCpuSeconds = (used.user + used.system) / 1e6
  const { candidate, parent } = result.evaluations
  const scores: ScoreRow[] = [{ data: `newest 20 % of ${period.join(',')}`, rows: candidate.rows, shipped: score(parent), retrained: score(candidate) }]
  if (unseen.length > 0) {
    scores.push({ data: `rest of ${period.join(',')} (unlabelled)`, rows: unseen.length, shipped: score(await evaluateClassifier(shipped, unseen)), retrained: score(await evaluateClassifier(result.dir, unseen)) })
  }
  for (const b of LATER.filter((b) => b > Math.max(...period))) {
    scores.push({ data: `batch ${b}`, rows: batches.get(b)!.length, shipped: shippedScores.get(`batch ${b}`)!, retrained: score(await evaluateClassifier(result.dir, batches.get(b)!)) })
  }
  scores.push({ data: 'batches 1–2 holdout', rows: knew.length, shipped: shippedScores.get('batches 1–2 holdout')!, retrained: score(await evaluateClassifier(result.dir, knew)) })
  return {
    period, labelledRows: labelled.length, trainedOn: { labelled: result.split.training.length, reference: result.split.reference.length },
    heldOut: result.split.holdout.length, epochs, trainSeconds: (trainEnd - trainStart) / 1000, jobSeconds, jobCpuSeconds, scores,
  }
}

/**
 * A period's rows as a fleet would label them: mixed in a seeded random order (each CSV is sorted by gas;
 * a device sees the gases interleaved), stamped in that order, so the newest 20 % are a sample of the period.
 */
function replay(rows: readonly EvaluationRow[]): LabelledRow[] {
  const random = mulberry32(seed)
  const order = rows.map((_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order.map((i, ts) => ({ features: rows[i]!.features, label: rows[i]!.label, ts }))
}

/** The rows of batches 1–2 the shipped build held out: never trained on by 1.0.0 nor by any candidate. */
function knownHoldout(buildSeed: number): EvaluationRow[] {
  const { data, holdout } = gasSensorSplit({ seed: buildSeed })
  const width = data.features.length / data.n
  return Array.from(holdout, (i) => ({ features: Array.from(data.features.subarray(i * width, (i + 1) * width)), label: data.labels[i]! }))
}

function score(e: ClassifierEvaluation): Score {
  return { accuracy: e.accuracy, macroF1: e.macroF1 }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1).padStart(5)} %`
}

function signedPoints(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pt`.padStart(9)
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`)
  process.exit(2)
}
