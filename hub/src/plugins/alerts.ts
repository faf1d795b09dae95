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
}

/**
 * The alert service, on the registry and the broker. Webhook delivery starts when the app is ready
 * (pending deliveries from before a restart first) and stops when it closes.
 */
export const alertsPlugin = fp<AlertsOptions>(async (app, o) => {
  const alerts = new AlertService({ store: app.registry, broker: app.broker, logger: app.log, observer: app.metrics, webhooks: o.webhooks })
  app.decorate('alerts', alerts)
  app.addHook('onReady', async () => alerts.start())
  // preClose: before the stores close underneath a delivery in flight
  app.addHook('preClose', async () => alerts.close())
}, { name: 'alerts', dependencies: ['stores', 'broker'] })
