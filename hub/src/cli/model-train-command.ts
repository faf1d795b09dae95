import type { Command } from 'commander'
import type { TrainCsvReport } from '@edgefleet/models/build'
import { UsageError } from './model-commands.ts'
import { commaList, numberFlag, numberList, out } from './model-import-flags.ts'
import { Progress } from './progress.ts'

interface TrainFlags {
  csv: string
  label: string
  name: string
  features?: string
  exclude?: string
  task?: string
  header: string
  columns?: string
  modelVersion?: string
  description?: string
  license?: string
  out?: string
  holdout?: string
  epochs?: string
  hidden?: string
  batchSize?: string
  learningRate?: string
  seed?: string
  json?: boolean
}

/** `edgefleet model train --csv …`: a tabular classifier or regressor from a CSV file, as a package ready to push. */
export function registerTrainCommand(model: Command): void {
  model
    .command('train')
    .description('train a tabular classifier or regressor from a CSV file with the built-in trainer (TF.js, exported to ONNX): holdout metrics, drift reference statistics and self-test vectors included; then `model push` the package')
    .requiredOption('--csv <file>', 'the training data: a CSV file (header detected; quoted fields; , ; tab or | separated)')
    .requiredOption('--label <column>', 'the column to predict')
    .requiredOption('--name <name>', 'model name: lower-case letters, digits, dashes')
    .option('--features <columns>', 'feature columns, comma-separated (default: every column but the label and --exclude)')
    .option('--exclude <columns>', 'columns that are not features (ids, timestamps, text), comma-separated')
    .option('--task <task>', 'classification | regression (default: text or few integer labels → classification, else regression)')
    .option('--header <mode>', 'is the first row a header: auto | yes | no', 'auto')
    .option('--columns <names>', 'names of a headerless file\'s columns, comma-separated (default col1, col2, …)')
    .option('--model-version <semver>', 'version of the package (default 1.0.0; a newer one to retrain)')
    .option('--description <text>', 'one line about the model')
    .option('--license <text>', 'licence of the model (and terms of the data)')
    .option('--out <dir>', 'package directory to write (default ./<name>-<version>)')
    .option('--holdout <fraction>', 'share of rows held out for metrics (default 0.2; stratified by class)')
    .option('--epochs <n>', 'training epochs (default 60)')
    .option('--hidden <units>', 'hidden layer widths, comma-separated (default 32,16)')
    .option('--batch-size <n>', 'rows per training step (default 32)')
    .option('--learning-rate <x>', 'Adam learning rate (default 0.003)')
    .option('--seed <n>', 'seed of the split, the initial weights and the shuffles (default 42)')
    .option('--json', 'print the training report as JSON')
    .action(async (o: TrainFlags) => {
      if (o.task !== undefined && o.task !== 'classification' && o.task !== 'regression') throw new UsageError(`--task ${o.task}: choose classification or regression`)
      if (!['auto', 'yes', 'no'].includes(o.header)) throw new UsageError(`--header ${o.header}: choose auto, yes or no`)
      const integer = (v: string | undefined, flag: string): number | undefined => {
        const n = numberFlag(v, flag)
        if (n !== undefined && !Number.isInteger(n)) throw new UsageError(`${flag} must be an integer`)
        return n
      }
      const { trainCsv, TRAIN_CSV_STEPS } = await import('@edgefleet/models/build')
      const version = o.modelVersion ?? '1.0.0'
      const options = {
        csv: o.csv, label: o.label, name: o.name, version, outDir: o.out ?? `${o.name}-${version}`,
        features: commaList(o.features), exclude: commaList(o.exclude), task: o.task as 'classification' | 'regression' | undefined,
        header: o.header as 'auto' | 'yes' | 'no', columns: commaList(o.columns), description: o.description, license: o.license,
        holdout: numberFlag(o.holdout, '--holdout'), epochs: integer(o.epochs, '--epochs'), hidden: numberList(o.hidden, '--hidden'),
        batchSize: integer(o.batchSize, '--batch-size'), learningRate: numberFlag(o.learningRate, '--learning-rate'), seed: integer(o.seed, '--seed'),
      }
      const progress = new Progress(!o.json)
      const started = Date.now()
      let report: TrainCsvReport
      try {
        report = await trainCsv({
          ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as typeof options),
          onStep: (step) => progress.update('steps', TRAIN_CSV_STEPS.indexOf(step) + 1, TRAIN_CSV_STEPS.length, step),
          onProgress: (p) => progress.update(p.stage, p.done, p.total, p.message ?? ''),
        })
      } finally {
        progress.stop()
      }
      out(o.json ? JSON.stringify({ ...report, seconds: (Date.now() - started) / 1000 }, null, 2) : formatTraining(report, (Date.now() - started) / 1000))
    })
}

function formatTraining(r: TrainCsvReport, seconds: number): string {
  const m = r.metrics
  const pct = (v: number | undefined) => (v === undefined ? '?' : `${(v * 100).toFixed(1)}%`)
  const fig = (v: number | undefined) => (v === undefined ? '?' : +v.toPrecision(4))
  const quality = r.task === 'classification'
    ? `holdout accuracy ${pct(m['holdoutAccuracy'])}, macro-F1 ${pct(m['holdoutMacroF1'])} (train accuracy ${pct(m['trainAccuracy'])})`
    : `holdout RMSE ${fig(m['holdoutRmse'])}, MAE ${fig(m['holdoutMae'])}, R² ${fig(m['holdoutR2'])} (train RMSE ${fig(m['trainRmse'])})`
  const lines = [
    `trained ${r.name}@${r.version} (${r.task}) into ${r.dir} in ${seconds.toFixed(1)} s (model sha256 ${r.sha256.slice(0, 12)}…)`,
    `  features   ${r.features.length}: ${r.features.slice(0, 6).join(', ')}${r.features.length > 6 ? ', …' : ''}`,
    ...(r.labels ? [`  classes    ${r.labels.length}: ${r.labels.slice(0, 8).join(', ')}${r.labels.length > 8 ? ', …' : ''}`] : []),
    `  rows       ${r.rows.total}: ${r.rows.train} train, ${r.rows.holdout} holdout${r.rows.droppedNoLabel ? `, ${r.rows.droppedNoLabel} without a label dropped` : ''}${r.rows.imputedValues ? `, ${r.rows.imputedValues} missing values imputed` : ''}`,
    `  quality    ${quality}`,
    ...r.notes.map((n) => `  note       ${n}`),
    `next: edgefleet model push ${r.dir}   (or --hub http://<hub>:8080 with EDGEFLEET_TOKEN)`,
  ]
  return lines.join('\n')
}
