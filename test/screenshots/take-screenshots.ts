/**
 * Screenshots of the dashboard for the README (`npx tsx test/screenshots/take-screenshots.ts`): a real hub
 * serving the built dashboard, agents replaying the gas-sensor data, a rollout of v1.1.0 made from the
 * Rollouts form, and a drift alert from an agent on aged sensor data; then one PNG per page at a desktop
 * size, and the fleet page at a phone's width.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '@edgefleet/models'
import type { RolloutView } from '@edgefleet/protocol'
import type { Page } from 'playwright-core'
import { DASHBOARD_INDEX, DASHBOARD_MISSING, launchBrowser, type BrowserSession } from '../helpers/browser.ts'
import { startDashboardFleet, type DashboardFleet } from '../helpers/dashboard-fleet.ts'
import {
  SOON, deviceRow, expectText, fleetSummary, navigate, pageHeading, signIn, signInForm, startRollout, until, waitForRolloutState,
} from '../helpers/dashboard-ui.ts'

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: join('docs', 'screenshots') },
    width: { type: 'string', default: '1440' },
    height: { type: 'string', default: '900' },
    scale: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (args.help) {
  process.stdout.write(
    'usage: npx tsx test/screenshots/take-screenshots.ts [--out docs/screenshots] [--width 1440] [--height 900] [--scale 1]\n' +
      '  starts a hub and agents on the real gas-sensor data, makes a rollout and a drift alert, and saves\n' +
      '  login.png fleet.png device.png models.png rollouts.png rollout.png alerts.png (desktop size)\n' +
      '  and fleet-narrow.png (390 px wide) into --out (relative to the repository root)\n' +
      '  needs the built dashboard (npx --yes pnpm@12.4.2 --filter @edgefleet/dashboard build) and Chromium\n',
  )
  process.exit(0)
}

const out = resolve(REPO_ROOT, args.out)
const viewport = { width: Number(args.width), height: Number(args.height) }
const DEVICES = ['lab-01', 'lab-02', 'lab-03', 'plant-01', 'plant-02', 'plant-03']
const AGED = 'field-07'
const started = Date.now()
const say = (message: string): void => {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`)
}

if (!existsSync(DASHBOARD_INDEX)) {
  process.stderr.write(`${DASHBOARD_MISSING}\n`)
  process.exit(1)
}
mkdirSync(out, { recursive: true })

let fleet: DashboardFleet | undefined
let browser: BrowserSession | undefined
try {
  fleet = await startDashboardFleet({
    devices: DEVICES,
    tags: (id) => ({ site: id.split('-')[0]!, line: `${(Number(id.split('-')[1]) % 2) + 1}` }),
    progress: say,
  })
  const f = fleet
  f.startAgents()
  browser = await launchBrowser({ viewport, deviceScaleFactor: Number(args.scale) })
  const { page } = browser
  const shot = async (name: string, o: { fullPage?: boolean } = {}): Promise<void> => {
    // let charts and transitions settle: a screenshot is a picture, not an assertion
    await page.waitForTimeout(500)
    await page.screenshot({ path: join(out, name), fullPage: o.fullPage ?? false })
    say(`saved ${join(args.out, name)}`)
  }

  say('sign-in page')
  await page.goto(f.hub.httpUrl)
  await signInForm(page).waitFor({ timeout: SOON })
  await shot('login.png')

  say('signing in; waiting for every agent to come online and report its drift state')
  await signIn(page, f.token)
  await expectText(fleetSummary(page), new RegExp(`^${DEVICES.length} of ${DEVICES.length} online`))
  // the agents judge their first drift window after 100 readings (5 s at 20 readings/s)
  await until('drift judged on every device', () => f.api<{ devices: { health?: { drift?: { state: string } } | null }[] }>('/devices'),
    (list) => list.devices.every((d) => d.health?.drift?.state === 'ok' || d.health?.drift?.state === 'drifting'), 90_000)
  await page.waitForTimeout(1500)
  await shot('fleet.png')

  say('rolling out gas-sensor@1.1.0 from the Rollouts form')
  await navigate(page, 'Rollouts')
  // the latency gate off, as in the e2e test: one status interval's p95 of sub-millisecond runs is noise here
  const id = await startRollout(page, { version: 'gas-sensor@1.1.0', waves: '34,67,100', soak: '3s', gates: { 'Max latency increase': 'off' } })
  await waitForRolloutState(page, 'completed', async () => (await f.api<RolloutView>(`/rollouts/${id}`)).reason ?? '')
  await shot('rollout.png', { fullPage: true })

  say('an agent on aged sensor data joins: waiting for its drift alert')
  await f.startAgedAgent(AGED)
  await navigate(page, 'Rollouts')
  await shot('rollouts.png')

  await navigate(page, 'Models')
  await shot('models.png')

  await navigate(page, 'Alerts')
  await page.getByRole('list', { name: 'Alerts' }).getByRole('listitem').filter({ hasText: AGED }).first().waitFor({ timeout: 120_000 })
  await shot('alerts.png', { fullPage: true })

  say('a device page, after a minute of predictions')
  await navigate(page, 'Fleet')
  await openDevice(page, 'lab-01')
  // the hub has known these devices for a minute or two: the shortest range shows their data, not an empty hour
  await page.getByLabel('Range').selectOption({ label: 'last 15 minutes' })
  await page.locator('figure canvas').first().waitFor({ timeout: SOON })
  await page.waitForTimeout(2000)
  await shot('device.png', { fullPage: true })

  say('the fleet page at 390 px')
  await navigate(page, 'Fleet')
  await expectText(deviceRow(page, AGED), /\bonline\b/)
  await page.setViewportSize({ width: 390, height: 844 })
  await shot('fleet-narrow.png')

  const problems = browser.unexpectedProblems()
  if (problems.length > 0) say(`the pages reported ${problems.length} problem(s):\n${problems.map((p) => `  ${p.kind} at ${p.url}: ${p.text}`).join('\n')}`)
  say(`done: 8 screenshots in ${out}`)
} catch (err) {
  process.stderr.write(`screenshots failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
} finally {
  await browser?.close()
  await fleet?.stop()
}

async function openDevice(page: Page, id: string): Promise<void> {
  await deviceRow(page, id).getByRole('link', { name: id, exact: true }).click()
  await pageHeading(page, id).waitFor({ timeout: SOON })
}
