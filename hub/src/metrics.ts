import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { IngestObserver } from './ingest/ingest.ts'

/** The hub's Prometheus metrics, on a registry of its own (tests build several hubs in one process). */
export class HubMetrics {
  readonly registry = new Registry()
  readonly devicesConnected: Gauge
  private readonly messages: Counter<'channel' | 'outcome'>
  private readonly predictions: Counter
  private readonly ingestSeconds: Histogram<'channel'>

  constructor(connectedDevices: () => number) {
    this.devicesConnected = new Gauge({
      name: 'edgefleet_devices_connected',
      help: 'Devices connected to the broker now',
      registers: [this.registry],
      collect() {
        this.set(connectedDevices())
      },
    })
    this.messages = new Counter({
      name: 'edgefleet_messages_total',
      help: 'Device messages received, by channel and outcome (stored, duplicate, invalid)',
      labelNames: ['channel', 'outcome'],
      registers: [this.registry],
    })
    this.predictions = new Counter({ name: 'edgefleet_predictions_stored_total', help: 'Predictions stored (each once)', registers: [this.registry] })
    this.ingestSeconds = new Histogram({
      name: 'edgefleet_ingest_seconds',
      help: 'Time to validate and durably store one device message, by channel',
      labelNames: ['channel'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    })
  }

  /** Feeds ingest outcomes into the counters. */
  readonly observeIngest: IngestObserver = (channel, result, seconds) => {
    this.messages.inc({ channel, outcome: result.outcome })
    if (result.outcome === 'stored') this.predictions.inc(result.predictions)
    if (result.outcome !== 'invalid') this.ingestSeconds.observe({ channel }, seconds)
  }
}
