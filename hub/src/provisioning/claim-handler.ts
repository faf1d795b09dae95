import {
  decodeJson, provisionTopic, validators, type HubPublicKey, type ProvisionRefusalCode, type ProvisionResponse,
} from '@edgefleet/protocol'
import { HubError } from '../errors.ts'
import type { ClaimedDevice, ClaimStore } from '../registry/claim-store.ts'
import { decideClaim } from './claim-policy.ts'

/** A connection that logged in with a claim token. */
export interface ClaimConnection {
  tokenName: string
  /** its MQTT client id: the level of its provisioning topics */
  clientId: string
}

/** Options of {@link ClaimHandler}. */
export interface ClaimHandlerOptions {
  registry: Pick<ClaimStore, 'getClaimToken' | 'findClaimedDevice' | 'claimNewDevice' | 'reissueClaimedDevice'>
  /** the model-signing key handed to each device with its credentials */
  hubPublicKey: () => HubPublicKey
  /** publishes as the hub (the broker) */
  publish(topic: string, payload: string, options: { qos: 1 }): Promise<void>
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void }
  /** every answer's outcome: `created`, `reissued`, or the refusal code */
  onOutcome?: (outcome: 'created' | 'reissued' | ProvisionRefusalCode) => void
  /** a device was created */
  onDeviceCreated?: (deviceId: string) => void
  now?: () => number
}

/** Codes the store raises that mean the claim lost a race or cannot name a device. */
const STORE_REFUSALS: Partial<Record<string, ProvisionRefusalCode>> = {
  HUB_CLAIM_TOKEN_USED_UP: 'PROVISION_TOKEN_USED_UP',
  HUB_CLAIM_TOKEN_NOT_FOUND: 'PROVISION_TOKEN_UNKNOWN',
  HUB_DEVICE_EXISTS: 'PROVISION_DEVICE_EXISTS',
  HUB_DEVICE_ID_INVALID: 'PROVISION_SERIAL_INVALID',
}

/**
 * Answers `ef/v1/provision/{clientId}/request`: validates the request, asks the pure policy
 * (claim-policy.ts), makes or re-issues the device, and answers on the connection's response topic
 * (QoS 1). Never throws: every failure becomes a coded refusal.
 */
export class ClaimHandler {
  constructor(private readonly o: ClaimHandlerOptions) {}

  async handle(c: ClaimConnection, payload: Uint8Array): Promise<void> {
    const answer = await this.answer(c, payload)
    const outcome = answer.ok ? (answer.reissued ? 'reissued' : 'created') : answer.code
    this.o.onOutcome?.(outcome)
    try {
      await this.o.publish(provisionTopic(c.clientId, 'response'), JSON.stringify(validators.provisionResponse.parse(answer)), { qos: 1 })
    } catch (err) {
      // the device asks again after its timeout; a created device is then re-issued
      this.o.logger.error({ token: c.tokenName, clientId: c.clientId, err: (err as Error).message }, 'could not answer a claim')
    }
  }

  private async answer(c: ClaimConnection, payload: Uint8Array): Promise<ProvisionResponse> {
    let serial: string
    try {
      serial = validators.provisionRequest.parse(decodeJson(payload)).serial
    } catch (err) {
      return this.refuse(c, null, 'PROVISION_REQUEST_INVALID', `${(err as Error).message}: send {"v":1,"serial":"…"}`)
    }
    // a second attempt covers losing a race to a concurrent claim of the same serial (then: re-issue)
    for (let attempt = 0; ; attempt++) {
      const token = await this.o.registry.getClaimToken(c.tokenName)
      const existing = token ? await this.o.registry.findClaimedDevice(c.tokenName, serial) : null
      const decision = decideClaim({ token, serial, existing, now: this.o.now?.() ?? Date.now() })
      if (decision.action === 'refuse') return this.refuse(c, serial, decision.code, decision.message)
      let claimed: ClaimedDevice
      try {
        claimed = decision.action === 'create'
          ? await this.o.registry.claimNewDevice({ tokenName: c.tokenName, serial, deviceId: decision.deviceId, tags: decision.tags, at: Date.now() })
          : await this.o.registry.reissueClaimedDevice(c.tokenName, serial)
      } catch (err) {
        const code = err instanceof HubError ? STORE_REFUSALS[err.code] : undefined
        if (code === 'PROVISION_DEVICE_EXISTS' && attempt === 0) continue
        if (code) return this.refuse(c, serial, code, code === 'PROVISION_DEVICE_EXISTS' ? `device id ${decision.deviceId} belongs to another device: give this device another --serial, or ask the operator to remove that device` : (err as Error).message)
        this.o.logger.error({ token: c.tokenName, serial, err: (err as Error).message }, 'claim failed in the registry')
        return this.refuse(c, serial, 'PROVISION_FAILED', 'the hub could not store the device: try again later')
      }
      const reissued = decision.action === 'reissue'
      this.o.logger.info({ token: c.tokenName, serial, deviceId: claimed.device.id, reissued }, reissued ? 'claim re-issued a secret' : 'device claimed')
      if (!reissued) this.o.onDeviceCreated?.(claimed.device.id)
      return { v: 1, ok: true, deviceId: claimed.device.id, secret: claimed.secret, hubPublicKey: this.o.hubPublicKey(), reissued }
    }
  }

  private refuse(c: ClaimConnection, serial: string | null, code: ProvisionRefusalCode, message: string): ProvisionResponse {
    this.o.logger.warn({ token: c.tokenName, clientId: c.clientId, serial, code }, `claim refused: ${message}`)
    return { v: 1, ok: false, code, message: message.slice(0, 1024) }
  }
}
