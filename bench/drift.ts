/**
 * Drift benchmark (pnpm bench:drift): on the real gas-sensor data and the built gas-sensor package,
 * side by side with the baseline of exact statistics from raw samples. Prints:
 *   1. verdict agreement of device summaries with exact full-data tests, and the largest KS |ΔD|;
 *   2. summary bytes vs raw reading bytes per window;
 *   3. hub cost per window and per feature (summaries) vs exact statistics from raw samples;
 *   4. detection delay after a real drift boundary (held-out batches 1-2 → a later batch);
 *   5. false alarms per 10 000 clean windows.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Alert, DriftSummary, Manifest } from '@edgefleet/protocol'
import { mulberry32 } from '@edgefleet/protocol'
import { readPackage, shippedPackageDir } from '@edgefleet/models'
import {
  gasBatch, gasSensorInputFiles, gasTrainAndHoldout, rowColumn, rowsAt, rowWindows, shuffledRows, type GasRows,
} from '@edgefleet/models/build'
import { DriftJudge, DriftWindow, exactHistogram, exactKs, manifestPolicy, psi, referenceHistogram, resolvePolicy, ThresholdCalibrator } from '@edgefleet/models/drift'
import { loadPackage, TabularModel } from '@edgefleet/edge-agent'
import { DriftEngine } from '@edgefleet/hub'

const { values: args } = parseArgs({
  options: {
    windows: { type: 'string', default: '10000' },
    window: { type: 'string', default: '100' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (args.help) {
  process.stdout.write('usage: tsx bench/drift.ts [--windows 10000] [--window 100]\n  --windows  clean windows for the false-alarm count (default 10000)\n  --window   samples per window (default 100, the gas-sensor manifest\'s)\n')
  process.exit(0)
}
const CLEAN_WINDOWS = Number(args.windows)
const WINDOW = Number(args.window)
const LATER = [3, 4, 5, 6, 8, 9]
const F = 128

const pkgDir = shippedPackageDir('gas-sensor')
const manifest: Manifest = (await readPackage(pkgDir)).manifest
const policy = resolvePolicy(manifestPolicy(manifest.drift))
const { train, holdout } = gasTrainAndHoldout()
const model = await probabilitiesOf(manifest)

function line(s = ''): void {
  process.stdout.write(`${s}\n`)
}

line(`gas-sensor@${manifest.version}: ${F} features, ${manifest.reference.features[0]!.edges.length - 1} reference bins, reference ${manifest.reference.sampleCount} training rows; window ${WINDOW}; policy ${policy.metric} q=${policy.quantile} raise ${policy.raiseAfter} clear ${policy.clearAfter} share ${policy.driftShare}; node ${process.version}`)

// ---- 1. agreement with exact full-data tests
{
  const judge = new DriftJudge(manifest.reference, policy)
  const trainCols = manifest.reference.features.map((_, j) => rowColumn(train, j))
  line('\n1. verdicts from device summaries vs exact full-data tests (window × feature)')
  line('   data            windows | PSI agree | KS agree | max |ΔD| | drifted (KS)')
  let all = { n: 0, psi: 0, ks: 0, maxD: 0 }
  for (const [name, rows] of [['held-out 1-2', shuffledRows(holdout, 1)] as const, ...LATER.map((b) => [`batch ${b}`, shuffledRows(gasBatch(b), b)] as const)]) {
    let n = 0, psiAgree = 0, ksAgree = 0, maxD = 0, drifted = 0
    const windows = rowWindows(rows, WINDOW)
    for (const w of windows) {
      const v = judge.judge(summarise(w, 0))
      v.features.forEach((f, j) => {
        const col = rowColumn(w, j)
        const ref = manifest.reference.features[j]!
        const refHist = referenceHistogram(ref)
        const exactPsi = psi(exactHistogram(col, ref.edges), refHist)
        const d = exactKs(col, trainCols[j]!)
        n++
        if ((exactPsi > f.thresholds.psi) === (f.psi > f.thresholds.psi)) psiAgree++
        if ((d > f.thresholds.ks) === (f.ks > f.thresholds.ks)) ksAgree++
        if (d > f.thresholds.ks) drifted++
        maxD = Math.max(maxD, Math.abs(d - f.ks))
      })
    }
    line(`   ${name.padEnd(15)} ${String(windows.length).padStart(7)} | ${pct(psiAgree / n).padStart(9)} | ${pct(ksAgree / n).padStart(8)} | ${maxD.toFixed(4).padStart(8)} | ${pct(drifted / n).padStart(6)}`)
    all = { n: all.n + n, psi: all.psi + psiAgree, ks: all.ks + ksAgree, maxD: Math.max(all.maxD, maxD) }
  }
  line(`   all                     | ${pct(all.psi / all.n).padStart(9)} | ${pct(all.ks / all.n).padStart(8)} | ${all.maxD.toFixed(4).padStart(8)} |   (${all.n} verdicts)`)
}

// ---- 2. bytes
{
  line('\n2. bytes per window: drift summary (JSON, as published) vs the raw readings (CSV lines, as read)')
  line('   samples |  raw bytes | summary bytes | summary/raw')
  const lines = LATER.flatMap((b) => readFileSync(gasSensorInputFiles().evaluation.get(b)!, 'utf8').split('\n').filter((l) => l.length > 0))
  const rows = shuffledRows(gasBatch(6), 6)
  for (const size of [100, 200, 500, 1000, 2000, 5000, 20000]) {
    const w = rowsAt(rows, Int32Array.from({ length: size }, (_, i) => i % rows.n))
    const summary = Buffer.byteLength(JSON.stringify(summarise(w, 0)))
    let raw = 0
    for (let i = 0; i < size; i++) raw += Buffer.byteLength(lines[i % lines.length]!) + 1
    line(`   ${String(size).padStart(7)} | ${String(raw).padStart(10)} | ${String(summary).padStart(13)} | ${pct(summary / raw, 2).padStart(10)}`)
  }
}

// ---- 3. hub cost
{
  const windows = rowWindows(shuffledRows(gasBatch(6), 7), WINDOW).map((w) => summarise(w, 0))
  const calibrator = new ThresholdCalibrator(manifest.reference, policy)
  let t0 = performance.now()
  calibrator.at(WINDOW)
  const calibrateMs = performance.now() - t0
  const judge = new DriftJudge(manifest.reference, policy)
  judge.judge(windows[0]!)
  const reps = Math.max(1, Math.ceil(2000 / windows.length))
  t0 = performance.now()
  for (let r = 0; r < reps; r++) for (const w of windows) judge.judge(w)
  const judgeUs = ((performance.now() - t0) * 1000) / (reps * windows.length)
  const raw = rowWindows(shuffledRows(gasBatch(6), 7), WINDOW).slice(0, 10)
  const trainCols = manifest.reference.features.map((_, j) => rowColumn(train, j))
  t0 = performance.now()
  for (const w of raw) {
    for (let j = 0; j < F; j++) {
      const col = rowColumn(w, j)
      exactKs(col, trainCols[j]!)
      psi(exactHistogram(col, manifest.reference.features[j]!.edges), manifest.reference.features[j]!.proportions)
    }
  }
  const exactUs = ((performance.now() - t0) * 1000) / raw.length
  line(`\n3. hub cost per window of ${WINDOW} (${F} features)`)
  line('   method                                   | µs/window | µs/window/feature')
  line(`   summaries: all statistics + verdicts      | ${judgeUs.toFixed(0).padStart(9)} | ${(judgeUs / F).toFixed(2).padStart(8)}`)
  line(`   baseline: exact KS + PSI from raw samples | ${exactUs.toFixed(0).padStart(9)} | ${(exactUs / F).toFixed(2).padStart(8)}   (needs every raw reading and the ${train.n} reference rows)`)
  line(`   one-time threshold calibration at this size: ${calibrateMs.toFixed(0)} ms (${policy.resamples} resamples × ${F} features, cached per model version and size)`)
}

// ---- 4. detection delay
{
  line(`\n4. detection delay: ${3 * WINDOW} (or ${3 * WINDOW + 50}) shuffled held-out rows of batches 1-2, then a later batch (shuffled), windows of ${WINDOW}; samples after the boundary`)
  line('   after     | boundary at | data-drift raised after | first alert | clean alerts before')
  for (const b of LATER) {
    for (const offset of [0, 50]) {
      const mixed = shuffledRows(holdout, 50 + b)
      const clean = rowsAt(mixed, Int32Array.from({ length: 3 * WINDOW + offset }, (_, i) => i % mixed.n))
      const later = shuffledRows(gasBatch(b), b)
      const laterRows = rowsAt(later, Int32Array.from({ length: 20 * WINDOW }, (_, i) => i % later.n))
      const stream = concat(clean, laterRows)
      const { engine, alerts } = makeEngine()
      let firstData: number | null = null
      let first: string | null = null
      let cleanAlerts = 0
      for (const [i, w] of rowWindows(stream, WINDOW).entries()) {
        const before = alerts.length
        await engine.ingest(summarise(w, i))
        const end = (i + 1) * WINDOW
        for (const a of alerts.slice(before)) {
          if (end <= clean.n) cleanAlerts++
          else {
            first ??= `${a.kind} @ +${end - clean.n}`
            if (a.kind === 'data-drift' && firstData === null) firstData = end - clean.n
          }
        }
        if (firstData !== null) break
      }
      line(`   batch ${b} ${String(offset === 0 ? 'on a window edge' : 'mid-window').padEnd(16)} | ${firstData === null ? 'not raised' : `${firstData} samples`.padStart(11)} | ${(first ?? '-').padEnd(24)} | ${cleanAlerts}`)
    }
  }
}

// ---- 5. false alarms
{
  const next = mulberry32(20261128)
  const { engine, alerts } = makeEngine()
  let flagged = 0
  let dataDriftWindows = 0
  const judge = new DriftJudge(manifest.reference, policy)
  const t0 = performance.now()
  for (let i = 0; i < CLEAN_WINDOWS; i++) {
    const idx = Int32Array.from({ length: WINDOW }, () => Math.floor(next() * holdout.n))
    const s = summarise(rowsAt(holdout, idx), i)
    const v = judge.judge(s)
    flagged += v.drifted.length
    if (v.dataDrift) dataDriftWindows++
    await engine.ingest(s)
  }
  const secs = (performance.now() - t0) / 1000
  const byKind = (k: string): number => alerts.filter((a) => a.kind === k && a.state === 'raised').length
  line(`\n5. false alarms: ${CLEAN_WINDOWS} clean windows of ${WINDOW}, bootstrapped from the ${holdout.n} held-out rows of batches 1-2 (${secs.toFixed(1)} s)`)
  line(`   features flagged per window: ${(flagged / CLEAN_WINDOWS).toFixed(3)} of ${F} (${pct(flagged / CLEAN_WINDOWS / F, 2)}); windows judged data drift: ${dataDriftWindows}`)
  line(`   alerts raised per 10 000 clean windows: data-drift ${per10k(byKind('data-drift'))}, prediction-drift ${per10k(byKind('prediction-drift'))}, confidence-drop ${per10k(byKind('confidence-drop'))}`)
}

function per10k(n: number): string {
  return ((n * 10_000) / CLEAN_WINDOWS).toFixed(1)
}

function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)} %`
}

function makeEngine(): { engine: DriftEngine; alerts: Alert[] } {
  const alerts: Alert[] = []
  const engine = new DriftEngine({
    references: { get: async () => ({ name: manifest.name, version: manifest.version, reference: manifest.reference, drift: manifest.drift }) },
    alerts: { emit: async (a) => void alerts.push(a) },
  })
  return { engine, alerts }
}

function concat(a: GasRows, b: GasRows): GasRows {
  const features = new Float64Array(a.features.length + b.features.length)
  features.set(a.features)
  features.set(b.features, a.features.length)
  return { features, n: a.n + b.n }
}

/** A device's window summary of these rows, with the model's outputs. */
function summarise(rows: GasRows, seq: number): DriftSummary {
  const w = new DriftWindow(manifest.reference.features, 6)
  for (let r = 0; r < rows.n; r++) {
    const p = model(rows.features.subarray(r * F, (r + 1) * F))
    w.add(1_700_000_000_000 + r, rows.features, r * F, p, 0)
  }
  return { v: 1, deviceId: 'bench', seq, ts: 1_700_000_000_000, model: { name: manifest.name, version: manifest.version }, ...w.take() }
}

/** The model's class probabilities for one raw row, memoised by row content (rows repeat a lot here). */
async function probabilitiesOf(m: Manifest): Promise<(row: Float64Array) => Float32Array> {
  const loaded = await loadPackage(pkgDir, { backend: 'wasm' })
  const tab = new TabularModel(m, loaded.backend)
  const all: GasRows[] = [train, holdout, ...LATER.map((b) => gasBatch(b))]
  const cache = new Map<string, Float32Array>()
  for (const rows of all) {
    const batch = tab.allocate(rows.n)
    for (let r = 0; r < rows.n; r++) tab.put(rows.features.subarray(r * F, (r + 1) * F), batch, r)
    const out = await tab.run(batch, rows.n)
    for (let r = 0; r < rows.n; r++) cache.set(key(rows.features.subarray(r * F, (r + 1) * F)), out.data.slice(r * out.width, (r + 1) * out.width))
  }
  await loaded.backend.close?.()
  return (row) => {
    const p = cache.get(key(row))
    if (!p) throw new Error('a row the benchmark did not run through the model')
    return p
  }
}

function key(row: Float64Array): string {
  return `${row[0]}|${row[1]}|${row[17]}|${row[64]}|${row[127]}`
}
