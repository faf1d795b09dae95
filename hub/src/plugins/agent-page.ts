import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import { AgentPageConfig } from '@edgefleet/protocol'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { agentPageConfig, agentPageCsp, type AgentMqttSettings } from './agent-page-config.ts'

/** The built browser agent in this repository (`edge-agent/dist/browser`, written by its `build:browser` script). */
export const DEFAULT_AGENT_PAGE_DIR = fileURLToPath(new URL('../../../edge-agent/dist/browser', import.meta.url))

export const AGENT_PAGE_BUILD_COMMAND = 'npx --yes pnpm@12.4.2 --filter @edgefleet/edge-agent build:browser'

export interface AgentPageOptions {
  /** config `agentPageDir`; default {@link DEFAULT_AGENT_PAGE_DIR} */
  dir?: string | undefined
  /** where browsers find the broker's WebSocket listener */
  mqtt: AgentMqttSettings
}

const PAGE_PATHS = ['/agent', '/agent/', '/agent/index.html']

/**
 * Serves the browser agent at `/agent`: a page that turns a browser tab into a camera device
 * (edge-agent/browser). The page is sent by a route, not as a static file, because its CSP names the
 * broker's WebSocket, which depends on the host the browser used; `/agent/config.json` tells the page
 * the same URL. The page is cross-origin isolated (COOP + COEP), so onnxruntime-web may use threads.
 * Hashed assets (the onnxruntime-web files included) are cached for a year. Without a build, `/agent`
 * says how to make one.
 */
export const agentPagePlugin: FastifyPluginAsync<AgentPageOptions> = async (app, o) => {
  const dir = o.dir ?? DEFAULT_AGENT_PAGE_DIR
  const config = (request: FastifyRequest) => agentPageConfig(o.mqtt, { protocol: request.protocol, hostname: request.hostname })

  app.get('/agent/config.json', { schema: { hide: true, response: { 200: AgentPageConfig } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return config(request)
  })

  const index = join(dir, 'index.html')
  if (!existsSync(index)) {
    app.log.warn({ dir }, `no browser agent build: /agent shows how to build one (${AGENT_PAGE_BUILD_COMMAND})`)
    for (const url of PAGE_PATHS) app.get(url, { schema: { hide: true } }, async (_request, reply) => notBuilt(reply, dir))
    return
  }

  for (const url of PAGE_PATHS) {
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      // read on every request: a rebuilt page is picked up without restarting the hub
      const html = await readFile(index)
      return reply
        .header('content-security-policy', agentPageCsp(config(request).mqttUrl))
        .header('cross-origin-opener-policy', 'same-origin')
        .header('cross-origin-embedder-policy', 'require-corp')
        .header('permissions-policy', 'camera=(self), microphone=()')
        // the provisioning link's fragment never leaves the browser; nor does the page's address
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html)
    })
  }
  const assets = `${join(dir, 'assets')}${sep}`
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/agent/',
    index: false,
    decorateReply: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache')
      reply.header('x-content-type-options', 'nosniff')
      // the page is cross-origin isolated: everything it loads says it may be embedded by this origin,
      // and onnxruntime's thread workers (its .mjs) must be isolated like the page, or Chromium refuses to start them
      reply.header('cross-origin-resource-policy', 'same-origin')
      reply.header('cross-origin-embedder-policy', 'require-corp')
    },
  })
}

function notBuilt(reply: FastifyReply, dir: string): FastifyReply {
  return reply.status(503).type('text/html; charset=utf-8').send(
    `<!doctype html><title>edgefleet browser agent</title><h1>The browser agent is not built</h1>` +
      `<p>This hub serves the browser agent from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>. ` +
      `Build it with <code>${AGENT_PAGE_BUILD_COMMAND}</code> or point <code>--agent-page-dir</code> at a build.</p>` +
      `<p>The API is up: <a href="/docs">/docs</a>.</p>`,
  )
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
