import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteRegistry, hubPaths } from '@edgefleet/hub'
import { shippedPackageDir } from '@edgefleet/models'
import { deviceTopic, encodeChannel, type Manifest } from '@edgefleet/protocol'
import mqtt from 'mqtt'
import type { Locator, Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { CHROMIUM_MISSING, DASHBOARD_INDEX, DASHBOARD_MISSING, chromiumAvailable, launchBrowser, type BrowserSession } from './helpers/browser.ts'
import { SOON, deviceRow, expectText, fleetSummary, signIn, until } from './helpers/dashboard-ui.ts'
import { freePorts, startHubProcess, type HubProcess } from './helpers/hub-process.ts'

/**
 * The fleet page with 1 000 devices: a hub process with 1 000 registered devices, some of them online
 * through real MQTT connections (statuses as an agent sends them), and Chromium. The table is
 * virtualised: it says it has 1 001 rows but holds only the visible ones, and a change to a device far
 * out of view is there when the operator scrolls to it.
 */
const TOTAL = 1000
const ONLINE = 25
const ids = Array.from({ length: TOTAL }, (_, i) => `dev-${String(i + 1).padStart(4, '0')}`)
const FAR = ids.at(-1)!

const cleanup: (() => Promise<unknown> | void)[] = []
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

it('runs in Chromium (required under CI)', (ctx) => {
  if (chromiumAvailable()) return
  if (process.env.CI === 'true') throw new Error(CHROMIUM_MISSING)
  ctx.skip(CHROMIUM_MISSING)
})

const manifest = JSON.parse(readFileSync(join(shippedPackageDir('gas-sensor'), 'manifest.json'), 'utf8')) as Manifest

/** A device as the hub sees an agent: an MQTT session under its own credentials and a retained online status. */
async function connectDevice(hub: HubProcess, id: string, secret: string): Promise<void> {
  const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 })
  cleanup.push(() => client.endAsync(true))
  const status = encodeChannel('status', {
    v: 1, deviceId: id, state: 'online', ts: Date.now(), keepaliveS: 60, backend: 'wasm',
    model: { name: manifest.name, version: manifest.version, sha256: manifest.model.sha256 },
    counters: { predictions: 0, invalidReadings: 0, droppedReadings: 0, errors: 0, inferenceRuns: 0, inferenceErrors: 0 },
    drift: { state: 'ok', features: [] },
  })
  await client.publishAsync(deviceTopic(id, 'status'), status, { qos: 1, retain: true })
}

/** Scrolls the fleet table with the mouse wheel until `target` is rendered (a virtualised list renders as it scrolls). */
async function scrollUntil(page: Page, delta: number, target: Locator): Promise<void> {
  await page.getByRole('table').hover()
  await until(`${target} rendered`, async () => {
    if ((await target.count()) > 0) return true
    await page.mouse.wheel(0, delta)
    return false
  }, (found) => found, SOON)
}

describe.runIf(chromiumAvailable())('the fleet page with 1 000 devices', () => {
  it('summarises all of them, renders only the visible rows, scrolls to the last one, shows a far-away device come online live, and filters to the online ones', async () => {
    expect(existsSync(DASHBOARD_INDEX), DASHBOARD_MISSING).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'ef-fleet-scale-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const dataDir = join(dir, 'hub')
    const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
    const secrets = new Map<string, string>()
    let token: string
    try {
      for (const [i, id] of ids.entries()) secrets.set(id, (await registry.addDevice(id, { site: `site-${i % 4}` })).secret)
      token = `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}`
    } finally {
      await registry.close()
    }
    const hub = await startHubProcess({ dataDir, ports: await freePorts(3) })
    cleanup.push(() => hub.stop('SIGKILL'))
    for (const id of ids.slice(0, ONLINE)) await connectDevice(hub, id, secrets.get(id)!)

    const browser: BrowserSession = await launchBrowser({ viewport: { width: 1280, height: 800 } })
    cleanup.push(() => browser.close())
    const { page } = browser
    await page.goto(hub.httpUrl)
    await signIn(page, token)
    const summary = fleetSummary(page)
    await expectText(summary, new RegExp(`^${ONLINE} of ${TOTAL} online`))

    // every device counted, the header included, but only about a screenful in the document
    const table = page.getByRole('table')
    expect(await table.getAttribute('aria-rowcount')).toBe(String(TOTAL + 1))
    const rendered = await table.getByRole('row').count()
    expect(rendered).toBeGreaterThan(5)
    expect(rendered).toBeLessThan(100)
    const farLink = table.getByRole('link', { name: FAR, exact: true })
    expect(await farLink.count()).toBe(0)

    // the far device comes online while it is out of view…
    await connectDevice(hub, FAR, secrets.get(FAR)!)
    await expectText(summary, new RegExp(`^${ONLINE + 1} of ${TOTAL} online`))
    expect(await farLink.count()).toBe(0)

    // …and its row says so once scrolled to, at the very bottom
    await scrollUntil(page, 20_000, farLink)
    const farRow = deviceRow(page, FAR)
    await expectText(farRow, /\bonline\b/)
    await expectText(farRow, /gas-sensor@1\.0\.0/)
    expect(await table.getByRole('row').count()).toBeLessThan(100)
    // rows the operator scrolled past are gone from the document
    expect(await table.getByRole('link', { name: ids[0], exact: true }).count()).toBe(0)
    // back at the top, the first rows again
    await scrollUntil(page, -20_000, table.getByRole('link', { name: ids[0], exact: true }))

    // showing only the online devices: the table shrinks to them, the far one among them
    await page.getByLabel('Show').selectOption('online')
    await until('rows of the online devices', () => table.getAttribute('aria-rowcount'), (n) => n === String(ONLINE + 1 + 1))
    await scrollUntil(page, 20_000, farLink)
    await expectText(deviceRow(page, FAR), /\bonline\b/)

    expect(browser.unexpectedProblems()).toEqual([])
  })
})
