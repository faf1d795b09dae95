import { randomUUID } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import {
  claimUsername, decodeJson, provisionTopic, validators, type ProvisionRequest, type ProvisionResponse,
} from '@edgefleet/protocol'
import { AgentError, type Logger } from '../errors.ts'
import { reconnectDelayMs, type BackoffOptions } from '../uplink/backoff.ts'
import { tlsFailure } from '../uplink/hub-tls.ts'
import type { ClaimToken } from './claim-token.ts'

/** Options of {@link claimIdentity}. */
export interface ClaimOptions {
  /** the hub's broker URL */
  url: string
  /** CA certificates (PEM) trusted for mqtts:// and wss:// besides the system's (`--ca`) */
  ca?: string | undefined
  token: ClaimToken
  serial: string
  agentVersion?: string
  /** how long one attempt waits for the answer before asking again, ms (default 30 s) */
  answerTimeoutMs?: number
  reconnect?: BackoffOptions
  signal?: AbortSignal
  logger: Logger
}

/** The identity the hub gave. */
export type ClaimedIdentity = Extract<ProvisionResponse, { ok: true }>

const CONNECT_TIMEOUT_MS = 10_000
const ANSWER_TIMEOUT_MS = 30_000

/** What one attempt ended with: an answer, or a reason to try again. */
type Attempt = { answer: ProvisionResponse } | { retry: string }

/**
 * Claims this device's identity from the hub with a claim token: connects as `_claim:<name>` with a
 * random client id, subscribes to its response topic, publishes `{v:1, serial}` on its request topic
 * and waits for the answer. Connection failures and silence are retried with backoff (asking again
 * is safe: the hub gives the same serial the same device). A refusal by the hub — the token refused at
 * CONNACK, or a coded refusal answer — is AGENT_CLAIM_REFUSED and is not retried.
 */
export async function claimIdentity(o: ClaimOptions): Promise<ClaimedIdentity> {
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw new AgentError('AGENT_CLAIM_REFUSED', 'stopped while claiming an identity from the hub; start again to finish the claim')
    const result = await claimOnce(o)
    if ('answer' in result) {
      const a = result.answer
      if (a.ok) return a
      throw new AgentError('AGENT_CLAIM_REFUSED', `the hub refused the claim (${a.code}): ${a.message}`)
    }
    const delay = reconnectDelayMs(attempt, o.reconnect)
    o.logger[attempt === 0 ? 'warn' : 'debug']({ url: o.url, reason: result.retry, delayMs: delay }, 'claim not answered; asking again')
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
}

function claimOnce(o: ClaimOptions): Promise<Attempt> {
  const clientId = `claim-${randomUUID()}`
  const request: ProvisionRequest = { v: 1, serial: o.serial, ...(o.agentVersion ? { agentVersion: o.agentVersion } : {}) }
  const client: MqttClient = mqtt.connect(o.url, {
    protocolVersion: 4,
    clientId,
    username: claimUsername(o.token.name),
    password: o.token.secret,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
  })
  return new Promise<Attempt>((resolve, reject) => {
    let settled = false
    const finish = (outcome: Attempt | AgentError): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      client.end(true)
      if (outcome instanceof AgentError) reject(outcome)
      else resolve(outcome)
    }
    const onAbort = (): void => finish({ retry: 'stopped' })
    o.signal?.addEventListener('abort', onAbort)
    const timer = setTimeout(() => finish({ retry: 'no answer in time' }), o.answerTimeoutMs ?? ANSWER_TIMEOUT_MS)
    client.on('connect', () => {
      void (async () => {
        await client.subscribeAsync(provisionTopic(clientId, 'response'), { qos: 1 })
        await client.publishAsync(provisionTopic(clientId, 'request'), JSON.stringify(validators.provisionRequest.parse(request)), { qos: 1 })
        o.logger.info({ url: o.url, token: o.token.name, serial: o.serial }, 'asked the hub for an identity')
      })().catch((err: Error) => finish({ retry: err.message }))
    })
    client.on('message', (_topic, payload) => {
      try {
        finish({ answer: validators.provisionResponse.parse(decodeJson(payload)) })
      } catch (err) {
        finish({ retry: `invalid answer: ${(err as Error).message}` })
      }
    })
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code
      // CONNACK 4 (bad user name or password) or 5 (not authorised): the hub does not take this token [MQTT-3.2.2.3]
      if (code === 4 || code === 5) {
        finish(new AgentError('AGENT_CLAIM_REFUSED', `the hub at ${o.url} did not accept claim token ${o.token.name} (${err.message}): check --claim-token (or $EDGEFLEET_CLAIM_TOKEN) against \`edgefleet claim-token list\` on the hub`, { cause: err }))
        return
      }
      // a certificate the agent does not accept stays unaccepted: stop and say what to do
      const tls = tlsFailure(err, o.url, o.ca !== undefined)
      if (tls) return finish(tls)
      finish({ retry: err.message })
    })
    client.on('close', () => finish({ retry: 'connection closed' }))
  })
}
