import type { RunConfig } from '../cli/run-config.ts'
import { AgentError, type Logger } from '../errors.ts'
import { parseDuration } from '../cli/duration.ts'
import { CsvSource } from '../sources/csv-source.ts'
import { FrameDirSource } from '../sources/frame-dir-source.ts'
import { JsonlSource } from '../sources/jsonl-source.ts'
import { MqttSource } from '../sources/mqtt-source.ts'
import { ShuffledSource } from '../sources/shuffled-source.ts'
import { SnapshotSource } from '../sources/snapshot-source.ts'
import type { Source } from '../sources/source.ts'

/**
 * The sources a `run` configuration names: files (replayed in order, or shuffled), stdin, an MQTT
 * broker; for image models, frame directories (replayed in order, or watched) and a snapshot URL.
 */
export function configSources(config: Readonly<RunConfig>, logger: Logger): Source[] {
  const columnOptions = {
    ...(config.columns ? { columns: config.columns } : {}),
    ...(config.idColumn ? { idColumn: config.idColumn } : {}),
    ...(config.labelColumn ? { labelColumn: config.labelColumn } : {}),
  }
  // a shuffled replay reads the files unpaced and paces the replay itself
  const rate = config.rate && config.shuffle === undefined ? { rate: config.rate } : {}
  const files: Source[] = [
    ...config.csv.map((path) => new CsvSource({ path, header: config.header, parseInWorker: config.parseWorker, ...columnOptions, ...rate })),
    ...config.jsonl.map((path) => new JsonlSource({ path, ...rate })),
  ]
  const sources: Source[] = config.shuffle === undefined || files.length === 0
    ? files
    : [new ShuffledSource({ sources: files, seed: config.shuffle, ...(config.rate ? { rate: config.rate } : {}) })]
  if (config.stdin) sources.push(new JsonlSource({ path: '-', ...rate }))
  if (config.mqttUrl) {
    if (!config.mqttTopic) throw new AgentError('AGENT_USAGE', '--mqtt-url needs --mqtt-topic (the filter your sensors publish to, e.g. ef/v1/sensors/<device>/+)')
    sources.push(new MqttSource({ url: config.mqttUrl, topic: config.mqttTopic, username: config.mqttUsername, password: config.mqttPassword, logger }))
  }
  for (const dir of config.frames) {
    sources.push(new FrameDirSource({ dir, watch: config.watch, loop: config.loop, ...(config.fps ? { fps: config.fps } : {}), logger }))
  }
  if (config.snapshotUrl) {
    sources.push(new SnapshotSource({
      url: config.snapshotUrl,
      intervalMs: parseDuration(config.snapshotInterval, '--snapshot-interval'),
      timeoutMs: parseDuration(config.snapshotTimeout, '--snapshot-timeout'),
      logger,
    }))
  }
  return sources
}
