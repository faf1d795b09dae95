import type { Command } from 'commander'
import { HUB_DEFAULTS, loadHubConfig } from '../config.ts'
import { hubServerOptions } from './hub-command.ts'
import { UsageError } from './model-commands.ts'

export interface DemoOptions {
  agents: number
  rate: number
  datasetDir?: string
}

/** `edgefleet demo`: the main job on embedded defaults. */
export function registerDemoCommand(program: Command): void {
  hubServerOptions(
    program
      .command('demo')
      .description('start a hub on embedded defaults and local agents that replay the real gas-sensor data into it; runs until Ctrl-C'),
  )
    .option('--agents <n>', 'how many local agents (default 3)', '3')
    .option('--rate <n>', 'readings per second per agent (default 50)', '50')
    .option('--dataset-dir <dir>', 'data directory with data/gas-sensor-drift (default: $EDGEFLEET_DATA_DIR, ../shared, else .edgefleet/data)')
    .action(async (flags: Record<string, unknown>) => {
      const { agents, rate, datasetDir, ...hubFlags } = flags as { agents: string; rate: string; datasetDir?: string } & Record<string, unknown>
      const o: DemoOptions = { agents: Number(agents), rate: Number(rate), ...(datasetDir ? { datasetDir } : {}) }
      if (!Number.isInteger(o.agents) || o.agents < 1 || o.agents > 50) throw new UsageError('--agents must be a whole number from 1 to 50')
      if (!(o.rate > 0)) throw new UsageError('--rate must be a positive number')
      const config = loadHubConfig({ dataDir: `${HUB_DEFAULTS.dataDir}/demo`, ...hubFlags })
      const { runDemo } = await import('./demo-runner.ts')
      await runDemo(config, o)
    })
}
