import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { DatasetSnapshotList, DatasetSnapshotView, DatasetSummary, LabelItem, LabelsUploadResult } from '@edgefleet/protocol'
import { loadHubConfig } from '../config.ts'
import { HubError } from '../errors.ts'
import { DEFAULT_HUB_DATA_DIR } from '../paths.ts'
import { requireModelName } from '../retraining/datasets/dataset-paths.ts'
import { parseLabelsCsv } from '../retraining/datasets/labels-csv.ts'
import { SqliteDatasets } from '../retraining/datasets/sqlite-datasets.ts'
import { formatTable, print } from './device-commands.ts'
import { DEFAULT_HUB_API, hubApiFrom, hubRequest, TOKEN_ENV, type HubApi } from './hub-api.ts'
import { UsageError } from './model-commands.ts'
import { Progress } from './progress.ts'

/** Labels sent per request by `labels import --hub` (well under the route's 100 000 and 16 MiB). */
const IMPORT_BATCH = 10_000

interface Flags {
  hub?: string
  token?: string
  dataDir: string
  json?: boolean
}

/** What the commands do, on a local data directory or through a running hub's REST API. */
interface Datasets {
  summary(model: string): Promise<DatasetSummary>
  createSnapshot(model: string): Promise<DatasetSnapshotView>
  listSnapshots(model: string): Promise<DatasetSnapshotView[]>
  putLabels(items: LabelItem[]): Promise<LabelsUploadResult>
}

/** `edgefleet dataset show|snapshot|snapshots|labels import`: the hub's training data. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('training data the hub keeps: samples devices sent, labels, immutable dataset snapshots')

  options(dataset.command('show <model>'))
    .description("a model's training data: samples by reason, labelled samples by class, each version's measured accuracy on its labelled samples")
    .action(async (model: string, o: Flags, command: Command) => {
      const s = await withDatasets(o, command, (d) => d.summary(requireModel(model)))
      if (o.json) return print(JSON.stringify(s, null, 2))
      print(`${s.model}: ${s.samples} samples, ${s.labelled} labelled${s.oldest !== null ? `, taken ${formatTime(s.oldest)} to ${formatTime(s.newest!)}` : ''}`)
      if (s.samples === 0) return print('  no samples yet: devices send them as they run (sampling), labels follow with `edgefleet dataset labels import <file.csv>`')
      print(`  by reason: ${formatCounts(s.byReason)}`)
      print(`  by class:  ${s.labelled > 0 ? formatCounts(s.byClass) : 'no labels yet'}`)
      print('')
      process.stdout.write(formatTable(['VERSION', 'LABELLED', 'CORRECT', 'ACCURACY'], s.accuracyByVersion.map((v) => [
        v.version, `${v.labelled}`, `${v.correct}`, v.accuracy === null ? '-' : `${(v.accuracy * 100).toFixed(1)}%`,
      ])))
    })

  options(dataset.command('snapshot <model>'))
    .description("snapshot a model's labelled samples into the next immutable, numbered JSONL file (retraining jobs read these)")
    .action(async (model: string, o: Flags, command: Command) => {
      const v = await withDatasets(o, command, (d) => d.createSnapshot(requireModel(model)))
      if (o.json) return print(JSON.stringify(v, null, 2))
      print(`snapshot ${v.snapshot} of ${v.model}: ${v.rows} rows (${formatCounts(v.byClass)}), samples taken ${formatTime(v.from!)} to ${formatTime(v.to!)}, sha256 ${v.sha256}`)
    })

  options(dataset.command('snapshots <model>'))
    .description("list a model's snapshots, oldest first")
    .action(async (model: string, o: Flags, command: Command) => {
      const list = await withDatasets(o, command, (d) => d.listSnapshots(requireModel(model)))
      if (o.json) return print(JSON.stringify(list, null, 2))
      if (list.length === 0) return print(`no snapshots of ${model}; make one with \`edgefleet dataset snapshot ${model}\``)
      process.stdout.write(formatTable(['SNAPSHOT', 'CREATED', 'ROWS', 'SAMPLES FROM', 'SAMPLES TO', 'REASON', 'SHA256'], list.map((v) => [
        `${v.snapshot}`, formatTime(v.createdAt), `${v.rows}`, v.from === null ? '-' : formatTime(v.from), v.to === null ? '-' : formatTime(v.to), v.reason, `${v.sha256.slice(0, 12)}…`,
      ])))
    })

  const labels = dataset.command('labels').description('ground truth for samples devices sent')
  options(labels.command('import <file>'))
    .description('import labels from a CSV file with the header device_id,sample_id,label[,ts,source] (ts: ms since the epoch or ISO 8601; default now). ' +
      'Per sample the newest ts wins; a label whose sample has not arrived yet is kept until it does. A bad line is refused, naming it, before anything is stored')
    .action(async (file: string, o: Flags, command: Command) => {
      const text = await readFile(file, 'utf8').catch((cause: NodeJS.ErrnoException) => {
        throw new HubError('HUB_USAGE', `cannot read ${file}: ${cause.code ?? cause.message}`, { cause })
      })
      const items = parseLabelsCsv(text, file)
      if (items.length === 0) throw new UsageError(`${file} has a header but no labels`)
      const progress = new Progress(!o.json && items.length > IMPORT_BATCH)
      const total: LabelsUploadResult = { stored: 0, awaitingSample: 0 }
      try {
        await withDatasets(o, command, async (d) => {
          for (let i = 0; i < items.length; i += IMPORT_BATCH) {
            const r = await d.putLabels(items.slice(i, i + IMPORT_BATCH))
            total.stored += r.stored
            total.awaitingSample += r.awaitingSample
            progress.update('labels', Math.min(i + IMPORT_BATCH, items.length), items.length)
          }
        })
      } finally {
        progress.stop()
      }
      if (o.json) return print(JSON.stringify({ file, labels: items.length, ...total }, null, 2))
      const unchanged = items.length - total.stored
      print(`stored ${total.stored} of ${items.length} labels from ${file}${unchanged > 0 ? ` (${unchanged} unchanged: the hub has them, or newer ones)` : ''}` +
        `${total.awaitingSample > 0 ? `; ${total.awaitingSample} await their sample and join it when it arrives` : ''}`)
    })
}

function options(c: Command): Command {
  return c
    .option('--hub <url>', `work through a running hub's REST API, e.g. ${DEFAULT_HUB_API}, instead of a local data directory`)
    .option('--token <name.secret>', `operator token for --hub (prefer env ${TOKEN_ENV}: flags show in ps); create one with \`edgefleet token add <name> --role operator\``)
    .option('--data-dir <dir>', 'hub data directory (without --hub)', DEFAULT_HUB_DATA_DIR)
    .option('--json', 'print the result as JSON')
}

/** Runs `fn` on the local data directory, or through the hub's REST API with --hub (as `model push` does). */
async function withDatasets<T>(o: Flags, command: Command, fn: (d: Datasets) => Promise<T>): Promise<T> {
  if (o.hub !== undefined) {
    if (command.getOptionValueSource('dataDir') === 'cli') throw new UsageError('--hub works through a running hub and --data-dir on a local one: pass one of them')
    return fn(remote(hubApiFrom({ hub: o.hub, ...(o.token !== undefined ? { token: o.token } : {}) })))
  }
  // the same retention limits as a hub started here (defaults, or the environment)
  const config = loadHubConfig({ dataDir: o.dataDir })
  const store = await SqliteDatasets.open({ dataDir: config.dataDir, maxSamples: config.datasetMaxSamples, maxSnapshots: config.datasetMaxSnapshots })
  try {
    return await fn({
      summary: (model) => store.summary(model),
      createSnapshot: (model) => store.createSnapshot(model, { reason: 'manual' }),
      listSnapshots: (model) => store.listSnapshots(model),
      putLabels: async (items) => {
        const { stored, awaitingSample } = await store.putLabels(items)
        return { stored, awaitingSample }
      },
    })
  } finally {
    await store.close()
  }
}

function remote(api: HubApi): Datasets {
  const path = (model: string, rest = ''): string => `/api/v1/datasets/${encodeURIComponent(model)}${rest}`
  return {
    summary: (model) => hubRequest<DatasetSummary>(api, 'GET', path(model)),
    createSnapshot: (model) => hubRequest<DatasetSnapshotView>(api, 'POST', path(model, '/snapshots')),
    listSnapshots: async (model) => (await hubRequest<DatasetSnapshotList>(api, 'GET', path(model, '/snapshots'))).snapshots,
    putLabels: (items) => hubRequest<LabelsUploadResult>(api, 'POST', '/api/v1/labels', { items }),
  }
}

function requireModel(model: string): string {
  try {
    return requireModelName(model)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return entries.length > 0 ? entries.map(([k, n]) => `${k} ${n}`).join(', ') : '-'
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`
}
