import type { Command } from 'commander'
import { registerRegistryCommands } from './registry-commands.ts'
import type { BuildReport } from '@edgefleet/models/build'
import { SHIPPED_MODELS } from '@edgefleet/models'
import { registerImportCommand } from './model-import-command.ts'
import { registerTrainCommand } from './model-train-command.ts'
import { Progress } from './progress.ts'

/** `edgefleet model …` commands: build the shipped packages, import an ONNX file, train from a CSV, and the registry. */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('model packages: build the shipped ones, import your ONNX file, train on your CSV, push packages to the registry, list and show versions')
  registerRegistryCommands(model)
  registerImportCommand(model)
  registerTrainCommand(model)
  model
    .command('build')
    .description('build the shipped model packages from the data directory into models/packages/ (skips packages that are up to date)')
    .argument('[name]', `${SHIPPED_MODELS.join(' | ')} | all`, 'all')
    .option('--data-dir <dir>', 'data directory (default: $EDGEFLEET_DATA_DIR, ../shared when present, else .edgefleet/data)')
    .option('--out <dir>', 'write the package here instead of models/packages/<name> (one model only)')
    .option('--seed <n>', 'training seed (default 42)', (v) => Number.parseInt(v, 10))
    .option('--force', 'rebuild even when up to date')
    .option('--json', 'print the build reports as JSON')
    .action(async (name: string, o: { dataDir?: string; out?: string; seed?: number; force?: boolean; json?: boolean }) => {
      if (name !== 'all' && !(SHIPPED_MODELS as readonly string[]).includes(name)) {
        throw new UsageError(`unknown model ${JSON.stringify(name)}: choose one of ${SHIPPED_MODELS.join(', ')} or all`)
      }
      if (o.out && name === 'all') throw new UsageError('--out needs a single model name')
      if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new UsageError('--seed must be an integer')
      // loaded on demand: TensorFlow.js and the exporter are heavy, and only builds need them
      const { buildShipped } = await import('@edgefleet/models/build')
      const progress = new Progress(!o.json)
      let reports: BuildReport[]
      try {
        reports = await buildShipped(name as 'all', {
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          ...(o.out ? { outDir: o.out } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          force: o.force === true,
          onProgress: (p) => progress.update(p.stage, p.done, p.total, p.message ?? ''),
        })
      } finally {
        progress.stop()
      }
      process.stdout.write(o.json ? `${JSON.stringify(reports, null, 2)}\n` : reports.map(formatReport).join('\n'))
    })
}

function formatReport(r: BuildReport): string {
  const head = `${r.name}@${r.version} ${r.skipped ? 'up to date' : 'built'} in ${r.dir} (model sha256 ${r.sha256.slice(0, 12)}…)`
  const metrics = Object.entries(r.metrics).map(([k, v]) => `  ${k}: ${Number.isInteger(v) ? v : v.toPrecision(4)}`)
  const evals = r.evaluations.map((e) => `  ${e.dataset}: ${e.samples} samples${e.accuracy !== undefined ? `, accuracy ${(e.accuracy * 100).toFixed(1)}%` : ''}`)
  return `${[head, ...metrics, ...evals].join('\n')}\n`
}

/** A wrong flag or argument: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly code = 'HUB_USAGE'
}
