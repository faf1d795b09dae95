import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

/** The built dashboard in this repository (`dashboard/dist`, written by `pnpm --filter @edgefleet/dashboard build`). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url))

export const DASHBOARD_BUILD_COMMAND = 'npx --yes pnpm@12.4.2 --filter @edgefleet/dashboard build'

export interface DashboardOptions {
  /** config `dashboardDir`; default {@link DEFAULT_DASHBOARD_DIR} */
  dir?: string | undefined
}

// the app loads only its own scripts and styles and talks only to this hub
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/**
 * Serves the dashboard at `/` (same origin as the API, so the browser needs no CORS). Hashed assets are
 * cached for a year; `index.html` is revalidated so a rebuilt dashboard is picked up. Without a build,
 * `/` says how to make one.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, o) => {
  const dir = o.dir ?? DEFAULT_DASHBOARD_DIR
  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, `no dashboard build: / shows how to build one (${DASHBOARD_BUILD_COMMAND})`)
    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      return reply.status(503).type('text/html; charset=utf-8').send(
        `<!doctype html><title>edgefleet hub</title><h1>The dashboard is not built</h1>` +
          `<p>This hub serves the dashboard from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>. ` +
          `Build it with <code>${DASHBOARD_BUILD_COMMAND}</code> (the README's start command does) or point <code>--dashboard-dir</code> at a build.</p>` +
          `<p>The API is up: <a href="/docs">/docs</a>.</p>`,
      )
    })
    return
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    decorateReply: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders: (reply, path) => {
      const hashed = path.includes(`${join(dir, 'assets')}`)
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
      reply.header('x-content-type-options', 'nosniff')
      if (path.endsWith('.html')) {
        reply.header('content-security-policy', CSP)
        reply.header('referrer-policy', 'no-referrer')
      }
    },
  })
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
