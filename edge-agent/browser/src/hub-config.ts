import { validators } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'

/** What the hub's `/agent/config.json` says (schema `AgentPageConfig` in protocol), once checked. */
export interface HubConfig {
  /** MQTT over WebSocket */
  mqttUrl: string
}

/**
 * Asks the hub that served the page where its broker's WebSocket is. AGENT_USAGE with the hub's own
 * explanation when browsers cannot reach it (an external broker over TCP, a port picked at start).
 */
export async function loadHubConfig(url: string): Promise<HubConfig> {
  let body: unknown
  try {
    const res = await fetch(url, { cache: 'no-store' })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    body = await res.json()
  } catch (cause) {
    throw new AgentError('AGENT_USAGE', `cannot read the hub's settings at ${url} (${(cause as Error).message}): is the hub running, and is this page served by it?`, { cause })
  }
  return parseHubConfig(body)
}

/** Checks the answer against the protocol's `AgentPageConfig`; AGENT_USAGE with the hub's explanation when there is no URL. */
export function parseHubConfig(body: unknown): HubConfig {
  if ((body as { v?: unknown } | null)?.v !== 1) throw new AgentError('AGENT_USAGE', 'the hub\'s /agent/config.json is not version 1: this page and the hub differ in version; rebuild the page')
  const config = validators.agentPageConfig.check(body) ? body : undefined
  if (!config) throw new AgentError('AGENT_USAGE', `the hub's /agent/config.json is not what this page expects (${validators.agentPageConfig.issues(body).map((i) => `${i.path || '/'} ${i.message}`).join('; ')}): rebuild the page for this hub`)
  if (config.mqttUrl !== null) return { mqttUrl: config.mqttUrl }
  throw new AgentError('AGENT_USAGE', `this page cannot reach the hub's broker: ${config.problem ?? 'the hub names no MQTT-over-WebSocket URL'}`)
}
