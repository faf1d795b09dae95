/**
 * The main job on embedded defaults: build the shipped gas-sensor model if needed, then run a real
 * edge agent process replaying the UCI gas-sensor drift batches in time order, printing each
 * prediction and, at the end, the accuracy per batch — the sensors' drift made visible.
 *
 *   pnpm demo [--rate N] [--batches 1,3,9] [--data-dir DIR]
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { dataPaths, REPO_ROOT, requireDataPath, resolveDataDir } from '@edgefleet/models'
import { buildShipped } from '@edgefleet/models/build'

const HELP = `Usage: pnpm demo [options]

Builds the gas-sensor model package (skipped when up to date) and runs an edge agent that replays
the UCI gas-sensor drift batches in time order, printing predictions and the accuracy per batch.

Options:
  --rate <n>         readings per second (default 500; 0 = as fast as possible)
  --batches <list>   which batches, comma-separated (default: all in the data directory)
  --data-dir <dir>   data directory (default: $EDGEFLEET_DATA_DIR, ../shared, else .edgefleet/data)
  -h, --help         show this help
`

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    batches: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  process.stdout.write(HELP)
  process.exit(0)
}
const rate = Number(values.rate)
if (!Number.isFinite(rate) || rate < 0) {
  process.stderr.write(`--rate must be a number ≥ 0, got ${values.rate}\n`)
  process.exit(2)
}

const dataDir = resolveDataDir(values['data-dir'])
const gasDir = requireDataPath(dataPaths(dataDir).gasSensor, 'The gas-sensor CSVs')
const wanted = values.batches?.split(',').map((b) => `batch${b.trim()}.csv`)
const batches = readdirSync(gasDir)
  .filter((f) => /^batch\d+\.csv$/.test(f) && (!wanted || wanted.includes(f)))
  .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
if (batches.length === 0) {
  process.stderr.write(`no batch CSVs to replay in ${gasDir}\n`)
  process.exit(1)
}

process.stderr.write(`edgefleet demo — data from ${dataDir}\n`)
const [report] = await buildShipped('gas-sensor', {
  dataDir,
  onProgress: (p) => process.stderr.write(`  building ${p.stage}: ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\r`),
})
process.stderr.write(`\n  gas-sensor@${report!.version} ${report!.skipped ? 'up to date' : 'built'} (holdout accuracy ${((report!.metrics.holdoutAccuracy ?? 0) * 100).toFixed(1)}%)\n\n`)

const args = [
  'run', '--model', 'gas-sensor',
  '--columns', 'gas,concentration,*', '--label-column', 'gas',
  '--format', 'pretty', '--summary',
  ...(rate > 0 ? ['--rate', String(rate)] : []),
  ...batches.flatMap((b) => ['--csv', join(gasDir, b)]),
]
process.stderr.write(`$ pnpm edgefleet-agent ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n\n`)

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
const agent = spawn(process.execPath, [tsxCli, join(REPO_ROOT, 'edge-agent/src/cli/main.ts'), ...args], { stdio: 'inherit' })
const forward = (signal: NodeJS.Signals): void => void agent.kill(signal)
process.on('SIGINT', forward)
process.on('SIGTERM', forward)
agent.on('exit', (code) => process.exit(code ?? 1))
