import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, LIVE_EVENT_TYPES } from '@edgefleet/protocol'
import { EventStream } from '../../live/event-stream.ts'
import { HUB_VERSION } from '../../version.ts'

/** `GET /live`: server-sent events for operator clients (the dashboard). */
export const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const streams = new Set<EventStream>()
  // open streams would keep the server from closing
  app.addHook('preClose', async () => {
    for (const s of streams) s.close()
  })

  app.get('/live', {
    config: { role: 'viewer' },
    // a HEAD would hold a stream open with nothing to read
    exposeHeadRoute: false,
    schema: {
      tags: ['live'],
      summary: 'Live changes as server-sent events (text/event-stream)',
      description: `Event types: ${LIVE_EVENT_TYPES.join(', ')} (schemas: protocol/src/schemas/rest-live.ts). \`ready\` comes first; load the current state over REST after it, then apply the events. Device and rollout changes come at most once per id per second with the current view. A \`: ping\` comment every 15 s keeps the connection open; a client that falls 4 MiB behind is disconnected and should reconnect. Try: \`curl -N -H 'Authorization: Bearer <token>' <hub>/api/v1/live\`.`,
      produces: ['text/event-stream'],
      response: { 401: ErrorBody },
    },
  }, async (request, reply) => {
    reply.hijack()
    app.metrics.liveClients.inc()
    const stream = new EventStream(reply.raw, {
      onEnd: (reason) => {
        off()
        streams.delete(stream)
        app.metrics.liveClients.dec()
        app.metrics.liveStreamEnded(reason)
        request.log.debug({ reason, operator: request.operator }, 'live stream ended')
      },
    })
    streams.add(stream)
    const off = app.live.subscribe((type, body) => stream.send(type, body))
    stream.send('ready', { at: Date.now(), hubVersion: HUB_VERSION })
  })
}
