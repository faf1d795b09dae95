import fp from 'fastify-plugin'
import { hubPaths } from '../paths.ts'
import { SigningKeys } from '../signing/signing-keys.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** the hub's Ed25519 model-signing key pair (created on first start in `<data dir>/keys`) */
    signingKeys: SigningKeys
  }
}

/** Loads the model-signing key pair from the data directory, creating it on the hub's first start. */
export const signingPlugin = fp<{ dataDir: string }>(async (app, o) => {
  const keys = await SigningKeys.loadOrCreate(hubPaths(o.dataDir).keys)
  app.log.info({ keyId: keys.keyId }, 'model-signing key loaded')
  app.decorate('signingKeys', keys)
}, { name: 'signing' })
