import fp from 'fastify-plugin'
import type { HubBroker } from '../broker/broker.ts'
import { EmbeddedBroker } from '../broker/embedded-broker.ts'
import { openBrokerPersistence, type BrokerPersistenceKind } from '../broker/broker-persistence.ts'
import { ExternalBroker } from '../broker/external-broker.ts'
import { SharedMembership } from '../broker/shared-membership.ts'
import { Ingest } from '../ingest/ingest.ts'
import { HubMetrics } from '../metrics.ts'
import type { BrokerLimits } from '../broker/broker-limits.ts'
import { readPem, type ServerTls } from '../tls/server-tls.ts'
import { ClaimHandler } from '../provisioning/claim-handler.ts'

declare module 'fastify' {
  interface FastifyInstance {
    broker: HubBroker
    ingest: Ingest
    metrics: HubMetrics
  }
}

export interface BrokerOptions {
  host: string
  mqttPort: number
  wsPort: number
  /** an external broker's URL: the hub connects to it as a client instead of embedding aedes */
  broker?: string | undefined
  /** the hub's credentials at the external broker */
  brokerUsername?: string | undefined
  brokerPassword?: string | undefined
  /** a CA certificate file to trust for an external broker over mqtts:// or wss:// */
  brokerCa?: string | undefined
  /** with an external broker: one of several hub instances in this shared subscription group (config `sharedGroup`) */
  sharedGroup?: string | undefined
  /** this instance's MQTT client id at the external broker (config `instanceId`) */
  instanceId?: string | undefined
  /** the embedded broker serves mqtts and wss with this certificate */
  tls?: ServerTls | undefined
  /** the embedded broker's payload size, publish rate and connection limits */
  limits?: BrokerLimits | undefined
  /** the hub's data directory: the embedded broker's `disk` persistence lives in `<dataDir>/broker` */
  dataDir?: string | undefined
  /** where the embedded broker keeps retained messages, persistent sessions and wills (default memory) */
  persistence?: BrokerPersistenceKind | undefined
}

/**
 * Device ingest and the MQTT broker. The broker is created here and started by whoever starts the
 * hub (the CLI, or a test), like `listen()` for HTTP; it closes with the app.
 */
export const brokerPlugin = fp<BrokerOptions>(async (app, o) => {
  let broker: HubBroker | undefined
  const metrics = new HubMetrics(() => broker?.connectedDevices().size ?? 0)
  const ingest = new Ingest({
    registry: app.registry, telemetry: app.telemetry, drift: app.drift, datasets: app.datasets,
    onStatus: (s) => app.deviceHealth.observe(s),
    onLabels: (model, count) => app.labelArrivals.notify(model, count, (err) => app.log.error({ err, model }, 'a label listener failed')),
    // the live feed is registered after the broker; these run once messages flow
    onDeviceChange: (id) => app.live.deviceChanged(id),
    onDeploy: ({ deviceId, updatedAt: _at, ...deployment }) => {
      app.live.publish('deploy', { deviceId, deployment })
      if (deployment.rolloutId) app.live.rolloutChanged(deployment.rolloutId)
    },
  }, app.log, metrics.observeIngest)
  // devices claiming an identity with a claim token (embedded broker only: an external one authenticates itself)
  const claims = new ClaimHandler({
    registry: app.registry,
    hubPublicKey: () => ({ alg: 'ed25519', keyId: app.signingKeys.keyId, pem: app.signingKeys.publicKeyPem }),
    publish: (topic, payload, options) => broker!.publish(topic, payload, options),
    logger: app.log,
    onOutcome: (outcome) => metrics.claimAnswered(outcome),
    onDeviceCreated: (id) => app.live.deviceChanged(id),
  })
  broker = o.broker
    ? // presence arrives as retained status messages and last wills, which ingest stores
      new ExternalBroker({ url: o.broker, username: o.brokerUsername, password: o.brokerPassword, ca: o.brokerCa === undefined ? undefined : readPem(o.brokerCa, '--broker-ca'), ingest, registry: app.registry, logger: app.log,
        ...(o.instanceId !== undefined ? { clientId: o.instanceId } : {}),
        ...(o.sharedGroup !== undefined && o.instanceId !== undefined ? { shared: new SharedMembership(o.sharedGroup, o.instanceId) } : {}) })
    : await EmbeddedBroker.create({
        ...o,
        persistence: await openBrokerPersistence(o.dataDir === undefined ? 'memory' : (o.persistence ?? 'memory'), o.dataDir ?? ''),
        registry: app.registry,
        ingest,
        logger: app.log,
        claims,
        onLimit: {
          refused: (limit, _reason, who) => {
            metrics.limitRefused(limit)
            if (who.deviceId !== undefined) ingest.counters.refused(who.deviceId)
          },
          paced: () => metrics.publishPaced(),
        },
        onRefusal: (kind, deviceId) => {
          metrics.mqttRefused(kind)
          if (deviceId !== undefined) ingest.counters.refused(deviceId)
        },
        onPresence: (deviceId, online) => {
          app.registry.updatePresence(deviceId, { online, at: Date.now() })
            .then(() => app.live.deviceChanged(deviceId))
            .catch((err: Error) => app.log.error({ deviceId, err: err.message }, 'presence update failed'))
        },
      })
  app.decorate('broker', broker)
  app.decorate('ingest', ingest)
  app.decorate('metrics', metrics)
  app.addHook('onClose', async () => broker.close())
}, { name: 'broker', dependencies: ['stores', 'signing', 'drift', 'device-health', 'datasets'] })
