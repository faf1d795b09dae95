import mqtt from 'mqtt'
import { decodeJson, ProtocolError, validators, type Reading } from '@edgefleet/protocol'
import { AgentError, type Logger } from '../errors.ts'
import { FeatureMapper } from './feature-mapper.ts'
import type { Source, SourceContext } from './source.ts'

export interface MqttSourceOptions {
  /** broker URL, e.g. mqtt://127.0.0.1:1883 */
  url: string
  /** topic filter the sensors publish to (see `sensorFilter()` in the protocol) */
  topic: string
  username?: string
  password?: string
  clientId?: string
  logger?: Logger
}

/**
 * Subscribes to sensor readings (one reading or an array per message). Live: it never waits for
 * the pipeline; when the queue is full a reading is dropped and counted (AGENT_QUEUE_FULL).
 * Runs until the signal aborts; reconnects on its own when the broker goes away.
 */
export class MqttSource implements Source {
  readonly name: string
  constructor(private readonly o: MqttSourceOptions) {
    this.name = `mqtt:${o.topic}`
  }

  async run(ctx: SourceContext): Promise<void> {
    const mapper = new FeatureMapper(ctx.features)
    const client = mqtt.connect(this.o.url, {
      username: this.o.username,
      password: this.o.password,
      clientId: this.o.clientId,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    })
    let seen = 0
    client.on('message', (topic, payload) => {
      let value: unknown
      try {
        value = validators.reading.parse(decodeJson(payload))
      } catch (err) {
        ctx.reject({ code: err instanceof ProtocolError && err.code === 'PROTOCOL_PAYLOAD_TOO_LARGE' ? 'PROTOCOL_PAYLOAD_TOO_LARGE' : 'AGENT_READING_INVALID', message: (err as Error).message, where: topic })
        return
      }
      const readings = (Array.isArray(value) ? value : [value]) as Reading[]
      const now = Date.now()
      for (const reading of readings) {
        const mapped = mapper.map(reading, `${topic}#${++seen}`, now, true)
        if ('rejection' in mapped) ctx.reject({ ...mapped.rejection, where: topic })
        else if (!ctx.tryPush(mapped.record)) ctx.reject({ code: 'AGENT_QUEUE_FULL', message: 'queue full: reading dropped', where: topic })
      }
    })
    client.on('error', (err) => this.o.logger?.warn({ err: err.message, url: this.o.url }, 'mqtt source error'))
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => reject(new AgentError('AGENT_SOURCE_FAILED', `cannot reach the MQTT broker at ${this.o.url}: ${err.message}. Check --mqtt-url and that the broker runs.`, { cause: err }))
      client.once('connect', () => {
        client.off('error', fail)
        resolve()
      })
      client.once('error', fail)
      ctx.signal.addEventListener('abort', () => resolve(), { once: true })
    }).catch(async (err: unknown) => {
      await client.endAsync(true)
      throw err
    })
    if (!ctx.signal.aborted) {
      await client.subscribeAsync(this.o.topic, { qos: 1 }).catch(async (cause: unknown) => {
        await client.endAsync(true)
        throw new AgentError('AGENT_SOURCE_FAILED', `cannot subscribe to ${this.o.topic}: ${(cause as Error).message}`, { cause })
      })
      this.o.logger?.info({ url: this.o.url, topic: this.o.topic }, 'listening for sensor readings')
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }))
    }
    // force-close a client that never connected (aborted while connecting), or its socket lingers
    await client.endAsync(!client.connected)
  }
}
