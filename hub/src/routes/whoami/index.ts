import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, TokenIdentity } from '@edgefleet/protocol'

/** `GET /whoami`: the calling token's name and role, so a client (the dashboard) offers only what it may do. */
export const whoamiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/whoami', {
    config: { role: 'viewer' },
    schema: { tags: ['auth'], summary: "The calling operator token's name and role", response: { 200: TokenIdentity, 401: ErrorBody } },
  }, async (request) => ({ name: request.operator!, role: request.operatorRole! }))
}
