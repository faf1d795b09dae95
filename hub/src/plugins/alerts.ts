import fp from 'fastify-plugin'
import { AlertService, type WebhookSettings } from '../alerts/alert-service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** stores, publishes (MQTT, retained) and delivers (webhooks) alerts: `app.alerts.emit(alert)` */
    alerts: AlertService
  }
}

export interface AlertsOptions {
  webhooks: WebhookSettings
  /** alerts older than this are pruned daily (0 = never) */
  retentionDays: number
}

const DAY_MS = 86_400_000

/**
 * The alert service, on the registry and the broker. Webhook delivery starts when the app is ready
 * (pending deliveries from before a restart first) and stops when it closes.
 */
export const alertsPlugin = fp<AlertsOptions>(async (app, o) => {
  const alerts = new AlertService({
    store: app.registry, broker: app.broker, logger: app.log, observer: app.metrics, webhooks: o.webhooks,
    onStored: (alert) => {
      app.live.publish('alert', { alert: { alert, ack: null } })
      app.retraining.triggers.alert(alert)
    },
  })
  app.decorate('alerts', alerts)
  app.addHook('onReady', async () => alerts.start())
  let pruning: NodeJS.Timeout | undefined
  if (o.retentionDays > 0) {
    const prune = (): void => {
      app.registry.pruneAlerts(Date.now() - o.retentionDays * DAY_MS)
        .then((n) => n > 0 && app.log.info({ alerts: n, retentionDays: o.retentionDays }, 'old alerts pruned'))
        .catch((err: Error) => app.log.error({ err: err.message }, 'pruning old alerts failed'))
    }
    app.addHook('onReady', async () => {
      prune()
      pruning = setInterval(prune, DAY_MS).unref()
    })
  }
  app.addHook('onClose', async () => clearInterval(pruning))
  // preClose: before the stores close underneath a delivery in flight
  app.addHook('preClose', async () => alerts.close())
}, { name: 'alerts', dependencies: ['stores', 'broker'] })
