import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { startAgent } from '../agent.ts'
import type { Logger } from '../errors.ts'
import type { AgentStats } from '../pipeline/stats.ts'
import { JsonlSink } from '../sinks/jsonl-sink.ts'
import { PrettySink } from '../sinks/pretty-sink.ts'
import type { PredictionSink } from '../sinks/sink.ts'
import { formatUplinkSummary } from './hub-uplink.ts'
import type { RunConfig } from './run-config.ts'
import { formatDriftSummary, formatSamplingSummary, formatSummary } from './summary.ts'

/** Write buffer of --out files: large enough that the pipeline does not wait for each batch's write. */
const OUT_BUFFER_BYTES = 1 << 20

/**
 * `edgefleet-agent run`: the agent (see `startAgent`) with what belongs to a process: predictions on
 * stdout or --out, SIGINT/SIGTERM to stop (a second one cuts the outbox drain short), and the summary on stderr.
 */
export async function runCommand(config: Readonly<RunConfig>, logger: Logger, io: { json: boolean }): Promise<AgentStats> {
  let abortOutput: (() => void) | undefined
  const out: Writable | undefined = config.format === 'none' ? undefined : config.out ? createWriteStream(config.out, { highWaterMark: OUT_BUFFER_BYTES }) : process.stdout
  if (out) out.on('error', (err) => { logger.error({ err: err.message }, 'cannot write predictions'); abortOutput?.() })
  const local: PredictionSink | undefined = !out ? undefined : config.format === 'pretty' ? new PrettySink(out) : new JsonlSink(out, out !== process.stdout)

  let agent: Awaited<ReturnType<typeof startAgent>>
  try {
    agent = await startAgent(config, { logger, ...(local ? { sink: local } : {}) })
  } catch (err) {
    await local?.close().catch(() => {})
    throw err
  }
  abortOutput = () => agent.stop()
  const stop = (): void => agent.stop()
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  let stats: AgentStats
  try {
    stats = await agent.done
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  const report = agent.report()
  const figures = report.uplink
  if (config.summary || stats.rejectedTotal > 0 || stats.failedReadings > 0 || (figures && figures.dropped > 0)) {
    const name = `${report.model.name}@${report.model.version}`
    process.stderr.write(io.json
      ? `${JSON.stringify({ ...stats.toJSON(), ...(figures ? { uplink: figures } : {}), ...(report.drift ? { drift: report.drift } : {}), ...(report.samples ? { samples: report.samples } : {}) })}\n`
      : formatSummary(stats, name, report.backend) + (report.drift ? formatDriftSummary(report.drift) : '') + (report.samples ? formatSamplingSummary(report.samples) : '') + (figures ? formatUplinkSummary(figures) : ''))
  }
  return stats
}
