import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { parseBearerAuthorization } from '../auth/operator-token.ts'
import { HubError } from '../errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for routes that need an operator token: `Authorization: Bearer <name>.<secret>` */
    requireOperator(request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
  interface FastifyRequest {
    /** the operator token's name, once requireOperator has accepted it; null before */
    operator: string | null
  }
}

/** Operator tokens (created with `edgefleet token add`) drive the API. */
export const operatorAuthPlugin = fp(async (app) => {
  app.decorateRequest('operator', null)
  app.decorate('requireOperator', async (request: FastifyRequest) => {
    const token = parseBearerAuthorization(request.headers.authorization)
    if (!token) throw new HubError('HUB_UNAUTHORIZED', 'send an operator token as "Authorization: Bearer <name>.<secret>" (create one with `edgefleet token add <name>`)')
    if (!(await app.registry.verifyCredential('operator', token.name, token.secret))) {
      throw new HubError('HUB_UNAUTHORIZED', 'unknown or revoked operator token')
    }
    request.operator = token.name
  })
}, { name: 'operator-auth', dependencies: ['stores'] })
