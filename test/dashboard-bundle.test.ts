import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { expect, it } from 'vitest'
import { DASHBOARD_INDEX, DASHBOARD_MISSING } from './helpers/browser.ts'

/** gzip-compressed JavaScript a first visit may download (kB = 1000 bytes); `bench/dashboard-bundle.ts` prints the figures */
const JS_GZIP_BUDGET = 250_000
const dist = join(DASHBOARD_INDEX, '..')

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))

it('the built dashboard downloads at most 250 kB of gzip-compressed JavaScript', () => {
  expect(existsSync(DASHBOARD_INDEX), DASHBOARD_MISSING).toBe(true)
  const scripts = files(dist).filter((f) => /\.m?js$/.test(f))
  expect(scripts.length).toBeGreaterThan(0)
  // every script the page loads is one of these files: index.html names its entry
  const html = readFileSync(DASHBOARD_INDEX, 'utf8')
  const entries = [...html.matchAll(/<script[^>]+src="\/?([^"]+\.m?js)"/g)].map((m) => m[1]!)
  expect(entries.length).toBeGreaterThan(0)
  for (const e of entries) expect(scripts.map((f) => relative(dist, f))).toContain(e)
  const gzip = scripts.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0)
  expect(gzip, `JS gzip total ${(gzip / 1000).toFixed(1)} kB`).toBeLessThanOrEqual(JS_GZIP_BUDGET)
})
