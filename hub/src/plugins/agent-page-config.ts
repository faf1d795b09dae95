import type { AgentPageConfig } from '@edgefleet/protocol'

/** Where the hub's broker takes MQTT over WebSocket, from the hub's settings. */
export interface AgentMqttSettings {
  /** the embedded broker's WebSocket port (config `wsPort`; 0 = picked at start, unknown here) */
  wsPort: number
  /** an external broker's URL (config `broker`): browsers connect to it only when it is ws:// or wss:// */
  broker?: string | undefined
  /** config `publicUrl`: the host (and TLS) browsers reach this hub at, when it differs from the request's */
  publicUrl?: string | undefined
}


/** The parts of a request the answer depends on (fastify's `request.protocol` and `request.hostname`). */
export interface PageRequest {
  protocol: 'http' | 'https'
  hostname: string
}

/**
 * The MQTT-over-WebSocket URL a browser that loaded the page from `request` should connect to: the
 * embedded broker's `/mqtt` listener on the host the browser used (or `publicUrl`'s), `wss` when
 * the page came over TLS; an external broker's own ws(s) URL, without credentials.
 */
export function agentPageConfig(s: AgentMqttSettings, request: PageRequest): AgentPageConfig {
  if (s.broker !== undefined) {
    const url = new URL(s.broker)
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      return { v: 1, mqttUrl: null, problem: `this hub uses an external broker over ${url.protocol}//, which browsers cannot reach: give the broker a WebSocket listener and start the hub with --broker ws://… (or wss://)` }
    }
    url.username = ''
    url.password = ''
    return { v: 1, mqttUrl: url.href }
  }
  if (s.wsPort === 0) {
    return { v: 1, mqttUrl: null, problem: 'the hub picks its MQTT-over-WebSocket port at start (--ws-port 0), so the page cannot know it: start the hub with a fixed --ws-port' }
  }
  const base = s.publicUrl !== undefined ? new URL(s.publicUrl) : new URL(`${request.protocol}://${request.hostname}`)
  const scheme = base.protocol === 'https:' ? 'wss' : 'ws'
  return { v: 1, mqttUrl: `${scheme}://${base.hostname}:${s.wsPort}/mqtt` }
}

/**
 * The page's Content-Security-Policy: only its own scripts, plus WebAssembly compilation
 * (`'wasm-unsafe-eval'`, for onnxruntime-web, never `'unsafe-eval'`); network access to this hub and
 * its broker's WebSocket only; the camera stream as media.
 */
export function agentPageCsp(mqttUrl: string | null): string {
  const url = mqttUrl === null ? null : new URL(mqttUrl)
  const broker = url === null ? '' : ` ${url.protocol}//${url.host}`
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src 'self'${broker}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}
