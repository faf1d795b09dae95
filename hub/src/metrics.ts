import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { AlertObserver, WebhookOutcome } from './alerts/alert-observer.ts'
import type { IngestObserver } from './ingest/ingest.ts'

/** The hub's Prometheus metrics, on a registry of its own (tests build several hubs in one process). */
export class HubMetrics implements AlertObserver {
  readonly registry = new Registry()
  readonly devicesConnected: Gauge
  private readonly messages: Counter<'channel' | 'outcome'>
  private readonly predictions: Counter
  private readonly ingestSeconds: Histogram<'channel'>
  private readonly alerts: Counter<'kind' | 'state'>
  private readonly alertPublishFailures: Counter
  private readonly webhookDeliveries: Counter<'outcome'>
  private readonly driftWindows: Counter<'scope' | 'outcome'>
  private readonly driftSeconds: Histogram<'scope'>
  private readonly driftHistoryFailures: Counter<'outcome'>
  /** operator clients on `GET /api/v1/live` now */
  readonly liveClients: Gauge
  private readonly liveEnded: Counter<'reason'>
  private readonly claims: Counter<'outcome'>
  private readonly limitRefusals: Counter<'limit'>
  private readonly paced: Counter
  private readonly mqttRefusals: Counter<'kind'>

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
    this.alerts = new Counter({
      name: 'edgefleet_alerts_emitted_total',
      help: 'Alerts emitted (stored and published; repeats of an id not counted), by kind and state',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
    })
    this.alertPublishFailures = new Counter({
      name: 'edgefleet_alert_publish_failures_total',
      help: 'Alerts stored but not confirmed published on MQTT (broker unreachable or slow)',
      registers: [this.registry],
    })
    this.webhookDeliveries = new Counter({
      name: 'edgefleet_webhook_deliveries_total',
      help: 'Webhook attempts by outcome: delivered, retried (failed, tried again later) or failed (gave up)',
      labelNames: ['outcome'],
      registers: [this.registry],
    })
    this.driftWindows = new Counter({
      name: 'edgefleet_drift_windows_total',
      help: 'Drift windows by scope (device, fleet) and outcome: judged, pending (merged with the next: below minCount), no-reference (model version unknown to the hub), mismatch (features differ from the reference)',
      labelNames: ['scope', 'outcome'],
      registers: [this.registry],
    })
    this.driftSeconds = new Histogram({
      name: 'edgefleet_drift_judge_seconds',
      help: 'Time to judge one drift window (statistics for every feature, hysteresis, alerts), by scope',
      labelNames: ['scope'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    })
    this.driftHistoryFailures = new Counter({
      name: 'edgefleet_drift_history_failures_total',
      help: 'Judged drift windows whose statistics the telemetry store did not take, by outcome: failed (kept in memory, retried) or dropped (given up: backlog full or invalid)',
      labelNames: ['outcome'],
      registers: [this.registry],
    })
    this.liveClients = new Gauge({ name: 'edgefleet_live_clients', help: 'Operator clients (dashboards) on the live event stream now', registers: [this.registry] })
    this.liveEnded = new Counter({
      name: 'edgefleet_live_streams_ended_total',
      help: 'Live event streams ended, by reason: client-closed, slow-client (cut off after falling 4 MiB behind; it reconnects and reloads), server-closed',
      labelNames: ['reason'],
      registers: [this.registry],
    })
    this.claims = new Counter({
      name: 'edgefleet_claims_total',
      help: 'Claims answered (fleet provisioning by claim token), by outcome: created (a new device), reissued (the same serial asked again: a fresh secret for its device), or the refusal code (PROVISION_TOKEN_USED_UP, PROVISION_TOKEN_EXPIRED, …)',
      labelNames: ['outcome'],
      registers: [this.registry],
    })
    this.limitRefusals = new Counter({
      name: 'edgefleet_limit_refusals_total',
      help: 'Refusals by the hub\'s limits: payload-size (PUBLISH over maxPayloadBytes), publish-rate (a device over devicePublishRate that kept sending), connections (CONNECT over maxConnections), upload-size (model upload over maxUploadBytes)',
      labelNames: ['limit'],
      registers: [this.registry],
    })
    for (const limit of ['payload-size', 'publish-rate', 'connections', 'upload-size']) this.limitRefusals.inc({ limit }, 0)
    this.mqttRefusals = new Counter({
      name: 'edgefleet_mqtt_refusals_total',
      help: 'MQTT clients turned away by the embedded broker, by kind: authentication (bad user name or password), publish and subscribe (topic policy), protocol (a packet that breaks MQTT, e.g. a wildcard or invalid UTF-8 in a topic name: the connection is closed)',
      labelNames: ['kind'],
      registers: [this.registry],
    })
    for (const kind of ['authentication', 'publish', 'subscribe', 'protocol']) this.mqttRefusals.inc({ kind }, 0)
    this.paced = new Counter({
      name: 'edgefleet_publishes_paced_total',
      help: 'Device publishes over devicePublishBurst whose PUBACK was held back to devicePublishRate (slowed, not refused)',
      registers: [this.registry],
    })
  }

  /** A client was refused by one of the hub's limits (limits/limit-policy.ts). */
  limitRefused(limit: string): void {
    this.limitRefusals.inc({ limit })
  }

  /** The embedded broker turned a client away (broker/embedded-broker.ts `MqttRefusal`). */
  mqttRefused(kind: string): void {
    this.mqttRefusals.inc({ kind })
  }

  /** A device's publish was held back to its publish rate (its PUBACK waited; nothing refused). */
  publishPaced(): void {
    this.paced.inc()
  }

  /** A claim was answered: `created`, `reissued`, or the refusal code (PROVISION_TOKEN_USED_UP, …). */
  claimAnswered(outcome: string): void {
    this.claims.inc({ outcome })
  }

  /** A live stream ended: client-closed, slow-client (cut off: it stopped reading) or server-closed. */
  liveStreamEnded(reason: string): void {
    this.liveEnded.inc({ reason })
  }

  /** Judged windows whose statistics were not stored when judged (failed) or were given up (dropped). */
  driftHistoryFailed(outcome: 'failed' | 'dropped', windows: number): void {
    this.driftHistoryFailures.inc({ outcome }, windows)
  }

  /** One device window or fleet evaluation by the drift engine: judged, pending (too small yet), no-reference, mismatch. */
  observeDrift(scope: 'device' | 'fleet', outcome: string, seconds: number): void {
    this.driftWindows.inc({ scope, outcome })
    if (outcome === 'judged') this.driftSeconds.observe({ scope }, seconds)
  }

  alertEmitted(kind: string, state: string): void {
    this.alerts.inc({ kind, state })
  }

  alertPublishFailed(): void {
    this.alertPublishFailures.inc()
  }

  webhookAttempted(outcome: WebhookOutcome): void {
    this.webhookDeliveries.inc({ outcome })
  }

  /** Feeds ingest outcomes into the counters. */
  readonly observeIngest: IngestObserver = (channel, result, seconds) => {
    this.messages.inc({ channel, outcome: result.outcome })
    if (result.outcome === 'stored') this.predictions.inc(result.predictions)
    if (result.outcome !== 'invalid') this.ingestSeconds.observe({ channel }, seconds)
  }
}
