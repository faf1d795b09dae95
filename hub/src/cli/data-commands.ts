import type { Command } from 'commander'
import { DATA_GROUPS, DEFAULT_FETCH_DIR, fetchData, resolveDataDir, type DataGroup } from '@edgefleet/models/data'
import { UsageError } from './model-commands.ts'
import { formatBytes, Progress } from './progress.ts'

/** `edgefleet data …`: where the data directory is, and fetching the public originals into it. */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('the data directory: real data sets and pretrained models used by builds, tests and the demo')
  data
    .command('where')
    .description('print the data directory edgefleet will use')
    .option('--data-dir <dir>', 'explicit data directory')
    .action((o: { dataDir?: string }) => {
      process.stdout.write(`${resolveDataDir(o.dataDir)}\n`)
    })
  data
    .command('fetch')
    .description('download the public originals (UCI gas-sensor drift data, UltraFace models, face photos) into a data directory')
    .option('--dest <dir>', `data directory to fill (default ${DEFAULT_FETCH_DIR})`, DEFAULT_FETCH_DIR)
    .option('--only <groups>', `comma-separated subset of ${DATA_GROUPS.join(', ')}`)
    .option('--force', 'download again even what is present and valid')
    .option('--mirror-gas-sensor <url>', 'URL of the UCI archive (a mirror)')
    .option('--mirror-ultraface <url>', 'base URL of the UltraFace ONNX files (a mirror)')
    .option('--mirror-faces <url>', 'base URL of the face photos (a mirror)')
    .option('--json', 'print the report as JSON')
    .action(async (o: { dest: string; only?: string; force?: boolean; mirrorGasSensor?: string; mirrorUltraface?: string; mirrorFaces?: string; json?: boolean }) => {
      const only = o.only?.split(',').map((g) => g.trim())
      const unknown = only?.filter((g) => !(DATA_GROUPS as readonly string[]).includes(g)) ?? []
      if (unknown.length > 0) throw new UsageError(`--only: unknown group(s) ${unknown.join(', ')}; choose from ${DATA_GROUPS.join(', ')}`)
      const progress = new Progress(!o.json)
      const controller = new AbortController()
      const stop = (): void => controller.abort(new Error('interrupted; run the command again to resume'))
      process.once('SIGINT', stop)
      try {
        const report = await fetchData({
          dest: o.dest,
          ...(only ? { only: only as DataGroup[] } : {}),
          force: o.force === true,
          signal: controller.signal,
          sources: {
            ...(o.mirrorGasSensor ? { gasSensorZip: o.mirrorGasSensor } : {}),
            ...(o.mirrorUltraface ? { ultrafaceBaseUrl: o.mirrorUltraface } : {}),
            ...(o.mirrorFaces ? { facesBaseUrl: o.mirrorFaces } : {}),
          },
          onProgress: (p) => progress.update(p.item, p.receivedBytes, p.totalBytes, `${formatBytes(p.receivedBytes)}${p.done ? ' done' : ''}`),
        })
        progress.stop()
        if (o.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
        } else {
          const downloaded = report.items.filter((i) => i.status === 'downloaded').length
          process.stdout.write(
            `${downloaded} item(s) downloaded, ${report.items.length - downloaded} already present; ${formatBytes(report.receivedBytes)} received into ${report.dest}\n` +
              `Use it with --data-dir ${report.dest} or EDGEFLEET_DATA_DIR=${report.dest}\n`,
          )
        }
      } finally {
        progress.stop()
        process.off('SIGINT', stop)
      }
    })
}
