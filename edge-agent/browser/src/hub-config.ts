import { AgentError } from '../../src/errors.ts'

/** What the hub's `/agent/config.json` says (hub/src/plugins/agent-page-config.ts), once checked. */
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

/** Checks the answer's shape (it is small and read once: no schema compiler for it). */
export function parseHubConfig(body: unknown): HubConfig {
  const b = body as { v?: unknown; mqttUrl?: unknown; problem?: unknown } | null
  if (b?.v !== 1) throw new AgentError('AGENT_USAGE', 'the hub\'s /agent/config.json is not version 1: this page and the hub differ in version; rebuild the page')
  if (typeof b.mqttUrl === 'string' && /^wss?:\/\//.test(b.mqttUrl)) return { mqttUrl: b.mqttUrl }
  const problem = typeof b.problem === 'string' ? b.problem : 'the hub names no MQTT-over-WebSocket URL'
  throw new AgentError('AGENT_USAGE', `this page cannot reach the hub's broker: ${problem}`)
}
