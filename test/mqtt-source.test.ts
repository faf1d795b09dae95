import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { CsvSource, MqttSource, TabularModel, loadPackage, runPipeline, AgentStats, type AgentPrediction, type PredictionSink } from '@edgefleet/edge-agent'
import { dataPaths, resolveDataDir, shippedPackageDir } from '@edgefleet/models'
import { sensorFilter, sensorTopic } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { parseJsonl, runAgent } from './helpers/agent-process.ts'
import { startBroker, type TestBroker } from './helpers/broker.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function broker(): Promise<TestBroker> {
  const b = await startBroker()
  cleanup.push(() => b.close())
  return b
}

async function publisher(url: string): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url)
  cleanup.push(() => client.endAsync())
  return client
}

/** Real readings from batch 2 as sensors would publish them: named features plus the label. */
async function readings(n: number): Promise<Record<string, number | string>[]> {
  const { readPackage } = await import('@edgefleet/models')
  const { manifest } = await readPackage(shippedPackageDir('gas-sensor'))
  const names = manifest.inputs[0]!.features!.map((f) => f.name)
  const rows = readFileSync(join(dataPaths(resolveDataDir()).gasSensor, 'batch2.csv'), 'utf8').split('\n').slice(0, n)
  return rows.map((row, i) => {
    const cells = row.split(',')
    return { id: `m${i}`, label: cells[0]!, ...Object.fromEntries(names.map((name, j) => [name, Number(cells[j + 2])])) }
  })
}

describe('MQTT sensor source', () => {
  it('the agent CLI predicts readings published by sensors; bad payloads are counted, not fatal', async () => {
    const b = await broker()
    const sensor = await publisher(b.url)
    const sent = await readings(6)
    const agent = runAgent(
      ['run', '--model', 'gas-sensor', '--mqtt-url', b.url, '--mqtt-topic', sensorFilter('pi-01'), '--batch-wait-ms', '1', '--summary', '--json', '--log-level', 'info'],
      { signalAfter: ({ stdout }) => stdout.split('\n').filter(Boolean).length >= sent.length },
    )
    // wait until the agent has subscribed, then publish: one reading, garbage, a batch array, a wrong type
    await new Promise<void>((resolve) => {
      const onSubscribe = (subs: { topic: string }[]): void => {
        if (subs.some((s) => s.topic === sensorFilter('pi-01'))) {
          b.broker.off('subscribe', onSubscribe)
          resolve()
        }
      }
      b.broker.on('subscribe', onSubscribe)
    })
    await sensor.publishAsync(sensorTopic('pi-01', 'mox'), JSON.stringify(sent[0]), { qos: 1 })
    await sensor.publishAsync(sensorTopic('pi-01', 'mox'), Buffer.from([0xff, 0x00, 0x7b]), { qos: 1 })
    await sensor.publishAsync(sensorTopic('pi-01', 'mox'), JSON.stringify({ ...sent[1], [Object.keys(sent[1]!)[3]!]: true }), { qos: 1 })
    await sensor.publishAsync(sensorTopic('pi-01', 'mox'), JSON.stringify(sent.slice(1)), { qos: 1 })
    const r = await agent
    expect(r.code, r.stderr).toBe(0)
    const predictions = parseJsonl(r.stdout)
    expect(predictions.map((p) => p.id)).toEqual(sent.map((s) => s.id))
    expect(predictions.map((p) => p.actual)).toEqual(sent.map((s) => s.label))
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { rejected: Record<string, number> }
    expect(summary.rejected).toEqual({ AGENT_READING_INVALID: 2 })
  })

  it('drops and counts readings when the queue is full, instead of blocking the broker connection', async () => {
    const b = await broker()
    const sensor = await publisher(b.url)
    const loaded = await loadPackage(shippedPackageDir('gas-sensor'), { backend: 'wasm' })
    cleanup.push(() => loaded.backend.close())
    const model = new TabularModel(loaded.manifest, loaded.backend)
    const received: AgentPrediction[] = []
    // a sink that stalls until released: the queue (4 readings) fills while it waits
    let release!: () => void
    const stalled = new Promise<void>((r) => (release = r))
    const sink: PredictionSink = {
      async write(batch) {
        received.push(...batch)
        await stalled
      },
      async close() {},
    }
    const controller = new AbortController()
    const stats = new AgentStats()
    const source = new MqttSource({ url: b.url, topic: sensorFilter('pi-02') })
    const running = runPipeline({ model, sources: [source], sink, batchSize: 2, batchWaitMs: 0, queueSize: 4, signal: controller.signal, stats })
    await new Promise<void>((resolve) => b.broker.on('subscribe', () => resolve()))
    const sent = await readings(20)
    await sensor.publishAsync(sensorTopic('pi-02'), JSON.stringify(sent), { qos: 1 })
    await expect.poll(() => stats.dropped, { timeout: 10_000 }).toBeGreaterThan(0)
    release()
    controller.abort()
    await running
    // everything accepted was predicted; everything else was counted as dropped
    expect(received.length + stats.dropped).toBe(sent.length)
    expect(stats.rejected.get('AGENT_QUEUE_FULL')).toBe(stats.dropped)
    expect(received.map((p) => p.id)).toEqual(sent.map((s) => s.id).filter((id) => received.some((p) => p.id === id)))
  })
})

describe('library pipeline', () => {
  it('gives the same predictions whatever the batch size', async () => {
    const loaded = await loadPackage(shippedPackageDir('gas-sensor'), { backend: 'wasm' })
    cleanup.push(() => loaded.backend.close())
    const model = new TabularModel(loaded.manifest, loaded.backend)
    const path = join(dataPaths(resolveDataDir()).gasSensor, 'batch4.csv')
    const collect = async (batchSize: number): Promise<AgentPrediction[]> => {
      const out: AgentPrediction[] = []
      const sink: PredictionSink = { write: (b) => void out.push(...b), close: async () => {} }
      await runPipeline({ model, sources: [new CsvSource({ path, columns: ['gas', 'ppm', '*'], labelColumn: 'gas' })], sink, batchSize, scores: true })
      return out
    }
    const one = await collect(1)
    const many = await collect(64)
    expect(many.map((p) => p.id)).toEqual(one.map((p) => p.id))
    expect(many.map((p) => p.label)).toEqual(one.map((p) => p.label))
    for (let i = 0; i < one.length; i++) {
      for (let k = 0; k < one[i]!.scores!.length; k++) expect(Math.abs(many[i]!.scores![k]! - one[i]!.scores![k]!)).toBeLessThan(1e-5)
    }
  })
})
