import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AlertList, ModelVersionList, RolloutView } from '@edgefleet/protocol'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'
import { edgefleetJson } from './helpers/agent-process.ts'
import { CHROMIUM_MISSING, DASHBOARD_INDEX, DASHBOARD_MISSING, chromiumAvailable, launchBrowser, type BrowserSession } from './helpers/browser.ts'
import { startDashboardFleet, type DashboardFleet } from './helpers/dashboard-fleet.ts'
import { gasSensorVariant } from './helpers/model-variants.ts'
import {
  SOON, deviceRow, expectText, fleetSummary, navigate, pageHeading, signIn, signInForm, startRollout, submitToken, until, waitForRolloutState,
} from './helpers/dashboard-ui.ts'

/**
 * The dashboard as an operator uses it, every part real: a hub process serving the built dashboard,
 * agent processes replaying the gas-sensor data through onnxruntime, and Chromium. Each step asserts
 * what the operator sees as it arrives over the live event stream, in one document (no reload).
 */
const DEVICES = ['edge-01', 'edge-02', 'edge-03', 'edge-04']
const AGED = 'pi-aged'
/** What a viewer reads beside an action that needs an operator token. */
const NEEDS_OPERATOR = 'Needs an operator token (yours is viewer)'

let fleet: DashboardFleet | undefined
let browser: BrowserSession | undefined
afterAll(async () => {
  await browser?.close()
  await fleet?.stop()
})

it('runs in Chromium (required under CI)', (ctx) => {
  if (chromiumAvailable()) return
  if (process.env.CI === 'true') throw new Error(CHROMIUM_MISSING)
  ctx.skip(CHROMIUM_MISSING)
})

describe.runIf(chromiumAvailable())('the dashboard, end to end', () => {
  it('an operator signs in, watches devices come online, rolls out v1.1.0, uploads v1.2.0 and acknowledges a drift alert, all live', { timeout: 300_000 }, async () => {
    expect(existsSync(DASHBOARD_INDEX), DASHBOARD_MISSING).toBe(true)
    fleet = await startDashboardFleet({ devices: DEVICES })
    browser = await launchBrowser()
    const { page } = browser
    const f = fleet
    const agentsOk = () => expect(f.agentFailures()).toEqual([])

    // a wrong token: the hub's own message, as an alert
    await page.goto(f.hub.httpUrl)
    await submitToken(page, `${f.tokenName}.not-the-secret`)
    await expectText(page.getByRole('alert'), /unknown or revoked operator token/)
    expect(await signInForm(page).count()).toBe(1)

    // the right one: the fleet, its devices registered but not connected yet
    await signIn(page, f.token)
    await expectText(fleetSummary(page), /^0 of 4 online/)
    // the header names the token and its role
    await page.getByRole('banner').getByText(`${f.tokenName} · operator`).waitFor({ timeout: SOON })
    // from here on the page is never reloaded: this survives only in the same document
    await page.evaluate(() => Object.assign(window, { efSameDocument: true }))

    // the agents start: each row turns online, serving v1.0.0, as their statuses arrive
    f.startAgents()
    await expectText(fleetSummary(page), /^4 of 4 online/)
    for (const id of DEVICES) {
      await expectText(deviceRow(page, id), /\bonline\b/)
      await expectText(deviceRow(page, id), /gas-sensor@1\.0\.0/)
    }
    agentsOk()

    // a rollout of v1.1.0 to every device, from the form: two waves, a short soak
    await navigate(page, 'Rollouts')
    expect(await page.getByRole('form', { name: 'New rollout' }).getByLabel('Target').inputValue()).toBe('all')
    const id = await startRollout(page, {
      version: 'gas-sensor@1.1.0', waves: '50,100', soak: '2s',
      // the p95 of one status interval of sub-millisecond runs is noise on a shared 2-core machine (and the
      // first interval after a swap is slower still): the latency gate is judged in the route tests
      gates: { 'Max latency increase': 'off' },
    })
    // it completes by itself; a gate that stops it fails the test with the gates' verdicts
    await waitForRolloutState(page, 'completed', async () => {
      const r = await f.api<RolloutView>(`/rollouts/${id}`)
      return `${r.reason}\n${r.verdict.results.map((g) => g.message).join('\n')}`
    })
    // one bar per wave, counting its devices that run v1.1.0: together, all four (the stable hash may put
    // three in the first wave and one in the second)
    const bars = page.getByRole('progressbar', { name: /^Wave \d+$/ })
    await until('every device active over the wave bars', () => bars.evaluateAll((ps) => ps.map((p) => (p as HTMLProgressElement).value)),
      (values) => values.length === 2 && values.reduce((a, b) => a + b, 0) === DEVICES.length, 10_000)
    agentsOk()

    // an agent on aged sensor data joins; its drift alert comes while the operator looks around
    await f.startAgedAgent(AGED)

    // a model package uploaded from the Models page: the hub checks, signs and lists it
    const pkg = gasSensorVariant(f.workDir, '1.2.0')
    await navigate(page, 'Models')
    const upload = page.getByRole('form', { name: 'Upload a model package' })
    await upload.getByLabel('Manifest (manifest.json)').setInputFiles(join(pkg, 'manifest.json'))
    await upload.getByLabel('Model (model.onnx)').setInputFiles(join(pkg, 'model.onnx'))
    // an operator is offered the upload, with no hint about roles
    expect(await upload.getByText(/needs an? \w+ token/i).count()).toBe(0)
    await upload.getByRole('button', { name: 'Upload' }).click()
    await expectText(upload.getByRole('status'), /Registered gas-sensor@1\.2\.0/)
    await expectText(page.getByRole('table').first(), /1\.2\.0/)
    expect((await f.api<ModelVersionList>('/models')).versions.map((v) => v.version)).toContain('1.2.0')

    // the fleet table shows the new version on every device
    await navigate(page, 'Fleet')
    for (const id of DEVICES) await expectText(deviceRow(page, id), /gas-sensor@1\.1\.0/)

    // a device's page: its charts drawn, and the deploy steps it reported for v1.1.0
    await deviceRow(page, 'edge-01').getByRole('link', { name: 'edge-01', exact: true }).click()
    await pageHeading(page, 'edge-01').waitFor({ timeout: SOON })
    for (const caption of ['Predictions per second', 'Latency', 'Class distribution', 'Drift statistics']) {
      const figure = page.locator('figure').filter({ has: page.locator('figcaption', { hasText: caption }) })
      await figure.waitFor({ timeout: SOON })
      if (caption !== 'Drift statistics') await figure.locator('canvas').first().waitFor({ timeout: SOON })
    }
    await expectText(page.getByRole('list', { name: 'Events' }), /1\.1\.0[\s\S]*\bactive\b|\bactive\b[\s\S]*1\.1\.0/)

    // the aged device's drift alert arrives on the Alerts page; acknowledging it names the operator
    await navigate(page, 'Alerts')
    const alerts = page.getByRole('list', { name: 'Alerts' })
    const aged = alerts.getByRole('listitem').filter({ hasText: AGED }).first()
    await aged.waitFor({ timeout: 90_000 })
    await aged.getByRole('button', { name: 'Acknowledge' }).click()
    await expectText(alerts.getByRole('listitem').filter({ hasText: `Acknowledged by ${f.tokenName}` }).first(), new RegExp(AGED))
    // stored by the hub, as the operator who clicked
    const acked = await f.api<AlertList>(`/alerts?deviceId=${AGED}&acknowledged=true`)
    expect(acked.alerts).toHaveLength(1)
    expect(acked.alerts[0]!.ack).toMatchObject({ by: f.tokenName })
    expect(acked.alerts[0]!.alert).toMatchObject({ deviceId: AGED })

    // all in one document, without a page error or a console error other than the wrong token's 401
    expect(await page.evaluate(() => (window as unknown as { efSameDocument?: boolean }).efSameDocument)).toBe(true)
    expect(browser.unexpectedProblems([/status of 401/])).toEqual([])
    agentsOk()

    // signing out leads back to the sign-in form
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signInForm(page).waitFor({ timeout: SOON })
  })

  it('a viewer sees its role in the header, and uploads, rollouts and acknowledgements disabled with what they need', { timeout: 300_000 }, async () => {
    expect(existsSync(DASHBOARD_INDEX), DASHBOARD_MISSING).toBe(true)
    const f = await startDashboardFleet({ devices: [] })
    onTestFinished(() => f.stop())
    const session = await launchBrowser()
    onTestFinished(() => session.close())
    const { page } = session
    const { token } = await edgefleetJson<{ token: string }>(['token', 'add', 'wall', '--role', 'viewer', '--data-dir', f.dataDir])
    // a drift alert to find on the Alerts page
    await f.startAgedAgent(AGED)

    await page.goto(f.hub.httpUrl)
    await signIn(page, token)
    await page.getByRole('banner').getByText('wall · viewer').waitFor({ timeout: SOON })

    // Models: the upload is not offered, and the form says what it needs
    await navigate(page, 'Models')
    const upload = page.getByRole('form', { name: 'Upload a model package' })
    await upload.getByText(NEEDS_OPERATOR).waitFor({ timeout: SOON })
    expect(await upload.getByRole('button', { name: 'Upload' }).isDisabled()).toBe(true)

    // Rollouts: the versions are there to choose, yet Start is disabled for the role
    await navigate(page, 'Rollouts')
    const form = page.getByRole('form', { name: 'New rollout' })
    await expectText(form.getByLabel('Version'), /gas-sensor@1\.1\.0/)
    await form.getByText(NEEDS_OPERATOR).waitFor({ timeout: SOON })
    expect(await form.getByRole('button', { name: 'Start rollout' }).isDisabled()).toBe(true)

    // Alerts: the aged device's alert arrives live; Acknowledge is disabled, the list says why once
    await navigate(page, 'Alerts')
    const aged = page.getByRole('list', { name: 'Alerts' }).getByRole('listitem').filter({ hasText: AGED }).first()
    await aged.waitFor({ timeout: 90_000 })
    await page.getByText('Acknowledging alerts needs an operator token (yours is viewer)').waitFor({ timeout: SOON })
    expect(await aged.getByRole('button', { name: 'Acknowledge' }).isDisabled()).toBe(true)

    // a rollout an operator started (pause and abort apply while it runs): every command disabled, with the hint
    const rollout = await f.api<RolloutView>('/rollouts', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gas-sensor@1.1.0', target: AGED, waves: '100', soak: '1h' }),
    })
    await page.evaluate((hash) => { location.hash = hash }, `#/rollouts/${rollout.id}`)
    await pageHeading(page, `Rollout ${rollout.id}`).waitFor({ timeout: SOON })
    const commands = page.getByRole('group', { name: 'Rollout commands' })
    await commands.getByText(NEEDS_OPERATOR).waitFor({ timeout: SOON })
    for (const name of ['Pause', 'Resume', 'Abort', 'Roll back']) expect(await commands.getByRole('button', { name }).isDisabled(), name).toBe(true)

    // the viewer was never refused: it was not offered what it may not do
    expect(session.unexpectedProblems()).toEqual([])
  })
})
