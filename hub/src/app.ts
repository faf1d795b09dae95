import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import type { HubConfig } from './config.ts'
import type { ReferenceSource } from './drift/model-references.ts'
import { HubError } from './errors.ts'
import { httpErrorName } from './http-error-name.ts'
import { readServerTls } from './tls/server-tls.ts'
import { agentPagePlugin } from './plugins/agent-page.ts'
import { alertsPlugin } from './plugins/alerts.ts'
import { dashboardPlugin } from './plugins/dashboard.ts'
import { datasetsPlugin } from './plugins/datasets.ts'
import { brokerPlugin } from './plugins/broker.ts'
import { clusterPlugin } from './plugins/cluster.ts'
import { defaultInstanceId } from './cluster/instance-id.ts'
import { desiredPlugin, deviceHealthPlugin } from './plugins/deployments.ts'
import { rolloutsPlugin } from './plugins/rollouts.ts'
import { checkRetrainPolicies, retrainingPlugin } from './plugins/retraining.ts'
import { driftPlugin } from './plugins/drift.ts'
import { livePlugin } from './plugins/live.ts'
import { documentRoles, routeAuthPlugin } from './plugins/route-auth.ts'
import { signingPlugin } from './plugins/signing.ts'
import { storesPlugin, type StoresOptions } from './plugins/stores.ts'
import { alertRoutes } from './routes/alerts/index.ts'
import { datasetRoutes } from './routes/datasets/index.ts'
import { deploymentRoutes } from './routes/deployments/index.ts'
import { rolloutRoutes } from './routes/rollouts/index.ts'
import { deviceRoutes } from './routes/devices/index.ts'
import { driftRoutes } from './routes/drift/index.ts'
import { healthRoutes } from './routes/health/index.ts'
import { jobRoutes } from './routes/jobs/index.ts'
import { liveRoutes } from './routes/live/index.ts'
import { modelRoutes } from './routes/models/index.ts'
import { whoamiRoutes } from './routes/whoami/index.ts'
import { HUB_VERSION } from './version.ts'

export interface BuildOptions {
  config: Readonly<HubConfig>
  /** pino logger options, or false for none (tests) */
  logger?: boolean | object
  /** stores opened by the caller */
  stores?: Pick<StoresOptions, 'registry' | 'telemetryStore'>
  /** where the drift engine finds reference statistics (tests); default: the model package directories */
  references?: ReferenceSource
}

/**
 * Builds the hub: a tree of fastify plugins (stores → drift → broker + ingest → alerts → routes). Nothing listens
 * yet; the CLI (or a test) calls `app.listen()` and `app.broker.start()`.
 */
export async function build(o: BuildOptions): Promise<FastifyInstance> {
  const { config } = o
  // configuration errors first, before any store, lock or port is opened
  checkRetrainPolicies(config.retraining)
  // read once: https here, mqtts and wss in the broker (a renewed certificate takes a restart)
  const tls = readServerTls(config)
  const app = (Fastify({ logger: o.logger ?? false, bodyLimit: 1 << 20, ...(tls ? { https: tls } : {}) }) as unknown as FastifyInstance).withTypeProvider<TypeBoxTypeProvider>()
  // one error shape for every route: { statusCode, code, error, message }
  app.setErrorHandler((err: FastifyError | HubError, request, reply) => {
    const validation = 'validation' in err && err.validation !== undefined
    const status = validation ? 400 : (err.statusCode ?? 500)
    if (status >= 500) request.log.error({ err }, 'request failed')
    const code = validation ? 'HUB_USAGE' : (err.code ?? 'HUB_INTERNAL')
    void reply.status(status).send({ statusCode: status, code, error: httpErrorName(status), message: err.message })
  })
  await app.register(swagger, {
    openapi: {
      info: { title: 'edgefleet hub API', version: HUB_VERSION, description: 'Devices, telemetry, models and rollouts of an edgefleet hub.' },
      components: {
        securitySchemes: {
          operator: { type: 'http', scheme: 'bearer', description: '<name>.<secret> from `edgefleet token add <name> --role viewer|operator|admin`' },
          device: { type: 'http', scheme: 'basic', description: '<device id>:<secret> from `edgefleet device add` (model downloads only)' },
        },
      },
      security: [{ operator: [] }],
    },
    // each operation carries its route's role: x-edgefleet-role, its security schemes, a line in its description
    transform: documentRoles,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  const instanceId = config.sharedGroup === undefined ? config.instanceId : (config.instanceId ?? defaultInstanceId(config.dataDir, config.httpPort))
  await app.register(storesPlugin, { dataDir: config.dataDir, telemetry: config.telemetry, telemetrySpoolMaxPoints: config.telemetrySpoolMaxPoints, spoolInstanceId: instanceId, registryUrl: config.registryUrl, registryPoolSize: config.registryPoolSize, retentionDays: config.retentionDays, keepPresence: config.sharedGroup !== undefined, ...o.stores })
  // several instances on one broker: who leads (once-only work), and this instance's name
  await app.register(clusterPlugin, { sharedGroup: config.sharedGroup, instanceId, leaseUrl: config.registryUrl })
  await app.register(routeAuthPlugin)
  await app.register(signingPlugin, { dataDir: config.dataDir })
  await app.register(driftPlugin, { modelDirs: config.modelDirs, fleetSeconds: config.driftFleetSeconds, policies: config.drift, references: o.references })
  await app.register(deviceHealthPlugin)
  await app.register(datasetsPlugin, { dataDir: config.dataDir, maxSamples: config.datasetMaxSamples, maxSnapshots: config.datasetMaxSnapshots })
  await app.register(brokerPlugin, {
    host: config.host, mqttPort: config.mqttPort, wsPort: config.wsPort,
    broker: config.broker, brokerUsername: config.brokerUsername, brokerPassword: config.brokerPassword, brokerCa: config.brokerCa, tls,
    sharedGroup: config.sharedGroup, instanceId,
    limits: { maxPayloadBytes: config.maxPayloadBytes, devicePublishRate: config.devicePublishRate, devicePublishBurst: config.devicePublishBurst, devicePublishMaxHeld: config.devicePublishMaxHeld, maxConnections: config.maxConnections },
    dataDir: config.dataDir, persistence: config.brokerPersistence,
  })
  await app.register(livePlugin)
  await app.register(desiredPlugin, { publicUrl: config.publicUrl, host: config.host, https: tls !== undefined })
  await app.register(rolloutsPlugin, { tickMs: config.rolloutTickMs })
  await app.register(retrainingPlugin, { dataDir: config.dataDir, policies: config.retraining, concurrency: config.retrainConcurrency, auto: config.autoRetrain })
  await app.register(alertsPlugin, {
    retentionDays: config.alertRetentionDays,
    webhooks: {
      urls: config.webhooks,
      mayDeliver: () => app.leader.isLeader(),
      secret: config.webhookSecret,
      timeoutMs: config.webhookTimeoutMs,
      retry: { maxAttempts: config.webhookMaxAttempts, retryMs: config.webhookRetryMs, maxRetryMs: config.webhookMaxRetryMs },
    },
  })
  await app.register(healthRoutes)
  await app.register(deviceRoutes, { prefix: '/api/v1' })
  await app.register(deploymentRoutes, { prefix: '/api/v1' })
  await app.register(rolloutRoutes, { prefix: '/api/v1' })
  await app.register(alertRoutes, { prefix: '/api/v1' })
  await app.register(driftRoutes, { prefix: '/api/v1' })
  await app.register(liveRoutes, { prefix: '/api/v1' })
  await app.register(modelRoutes, { prefix: '/api/v1', dataDir: config.dataDir, maxUploadBytes: config.maxUploadBytes })
  await app.register(datasetRoutes, { prefix: '/api/v1' })
  await app.register(jobRoutes, { prefix: '/api/v1' })
  await app.register(whoamiRoutes, { prefix: '/api/v1' })
  await app.register(agentPagePlugin, { dir: config.agentPageDir, mqtt: { wsPort: config.wsPort, broker: config.broker, publicUrl: config.publicUrl } })
  await app.register(dashboardPlugin, { dir: config.dashboardDir })
  app.get('/openapi.json', { schema: { hide: true }, config: { role: 'public' } }, async () => app.swagger())
  return app
}
