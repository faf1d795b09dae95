import Type from 'typebox'
import { ProvisionRefusalCodes } from '../errors.ts'
import { DeviceId, ProtocolV, ShortText } from './common.ts'

/**
 * Fleet provisioning by claim: a device flashed with a claim token connects as `_claim:<token name>`
 * and asks for an identity on `ef/v1/provision/{clientId}/request`; the hub answers on
 * `…/response` with the device's id, secret and the hub's model-signing key, or a coded refusal.
 */

/** A device serial: 1–128 printable ASCII characters (a machine id, a hostname, a label on the box). */
export const Serial = Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$', description: 'device serial, printable ASCII' })

/** `ef/v1/provision/{clientId}/request`: a device asks for its identity. */
export const ProvisionRequest = Type.Object(
  {
    v: ProtocolV,
    /** identifies the device for the token: the same serial asking again gets the same device */
    serial: Serial,
    /** the agent's version, for the hub's log */
    agentVersion: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)

/** The hub's model-signing public key, as handed to devices with their credentials. */
export const HubPublicKey = Type.Object(
  {
    alg: Type.Literal('ed25519'),
    keyId: Type.String({ minLength: 1, maxLength: 128 }),
    pem: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
)

/** `ef/v1/provision/{clientId}/response` (QoS 1): the identity, or why there is none. */
export const ProvisionResponse = Type.Union([
  Type.Object(
    {
      v: ProtocolV,
      ok: Type.Literal(true),
      deviceId: DeviceId,
      /** the device's secret (MQTT password); the hub keeps only its hash */
      secret: Type.String({ minLength: 1, maxLength: 256 }),
      hubPublicKey: HubPublicKey,
      /** true when this serial had been claimed before and got a fresh secret for the same device */
      reissued: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      v: ProtocolV,
      ok: Type.Literal(false),
      code: Type.Enum(ProvisionRefusalCodes),
      message: ShortText,
    },
    { additionalProperties: false },
  ),
])

/** `POST /api/v1/devices/{id}/rotate-secret`: the new secret, shown once. */
export const DeviceSecret = Type.Object(
  { id: DeviceId, secret: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
)

export type ProvisionRequest = Type.Static<typeof ProvisionRequest>
export type ProvisionResponse = Type.Static<typeof ProvisionResponse>
export type HubPublicKey = Type.Static<typeof HubPublicKey>
export type DeviceSecret = Type.Static<typeof DeviceSecret>
