import { setTimeout as sleep } from 'node:timers/promises'
import type { Locator, Page } from 'playwright-core'

/**
 * The dashboard's user interface as an operator finds it: by role and accessible name, the names the
 * dashboard promises. The browser tests and the screenshot script (a plain script, so no vitest here)
 * act through these.
 */

/** How long a step that takes seconds may take on a slow machine before it counts as not happening. */
export const SOON = 60_000

/**
 * Reads `read()` every 250 ms until `done` accepts it; returns that value. A `read` that throws ends the
 * wait with its error; on timeout the error names `what` and the last value seen.
 */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeout = SOON): Promise<T> {
  const end = Date.now() + timeout
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeout / 1000} s`)
    await sleep(250)
  }
}

/** The element's text, or what kept it from being read (no such element yet, …). */
export const textOf = (locator: Locator): Promise<string> =>
  locator.innerText({ timeout: 1000 }).catch((err: Error) => `<${err.message.split('\n')[0]}>`)

/** Waits until the element's text matches; on timeout the error shows the text it had. */
export async function expectText(locator: Locator, pattern: RegExp, timeout = SOON): Promise<void> {
  await until(`${locator} to match ${pattern}`, () => textOf(locator), (t) => pattern.test(t), timeout)
}

/** The sign-in form. */
export const signInForm = (page: Page): Locator => page.getByRole('form', { name: 'Sign in' })

/** Types a token into the sign-in form and submits it. */
export async function submitToken(page: Page, token: string): Promise<void> {
  const form = signInForm(page)
  await form.getByLabel('Operator token').fill(token)
  await form.getByRole('button', { name: 'Sign in' }).click()
}

/** Signs in and waits for the fleet page, live updates connected. */
export async function signIn(page: Page, token: string): Promise<void> {
  await submitToken(page, token)
  await pageHeading(page, 'Fleet').waitFor({ timeout: SOON })
  await expectText(page.getByRole('status', { name: 'Live updates' }), /^Live$/)
}

/** A page's title. */
export const pageHeading = (page: Page, name: string): Locator => page.getByRole('heading', { level: 1, name, exact: true })

/** Follows a link of the main navigation (`Alerts` may read `Alerts (2)`), and waits for the page's title. */
export async function navigate(page: Page, to: 'Fleet' | 'Models' | 'Rollouts' | 'Alerts'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${to}`) }).click()
  await pageHeading(page, to).waitFor({ timeout: SOON })
}

/** The fleet summary, e.g. `3 of 5 online`. */
export const fleetSummary = (page: Page): Locator => page.getByRole('status', { name: 'Fleet summary' })

/** The fleet table's row of one device (the row holds a link named by the device id). */
export const deviceRow = (page: Page, id: string): Locator =>
  page.getByRole('table').getByRole('row').filter({ has: page.getByRole('link', { name: id, exact: true }) })

/** What to type into the New rollout form; fields left out keep their defaults. */
export interface RolloutFormInput {
  /** `name@version`, chosen in the Version select */
  version: string
  target?: string
  waves?: string
  soak?: string
  shadow?: string
  /** fields of the form's Gates section by label, e.g. `{ 'Max latency increase': 'off' }` */
  gates?: Record<string, string>
}

/** Fills the New rollout form, submits it, and returns the new rollout's id (from the page it opens). */
export async function startRollout(page: Page, o: RolloutFormInput): Promise<string> {
  const form = page.getByRole('form', { name: 'New rollout' })
  // the versions arrive over REST after the page shows
  await expectText(form.getByLabel('Version'), new RegExp(o.version.replace(/[.@]/g, '\\$&')))
  await form.getByLabel('Version').selectOption(o.version)
  if (o.target !== undefined) await form.getByLabel('Target').fill(o.target)
  if (o.waves !== undefined) await form.getByLabel('Waves').fill(o.waves)
  if (o.soak !== undefined) await form.getByLabel('Soak').fill(o.soak)
  if (o.shadow !== undefined) await form.getByLabel('Shadow').fill(o.shadow)
  if (o.gates !== undefined) {
    await form.getByText('Gates', { exact: true }).click()
    for (const [label, value] of Object.entries(o.gates)) await form.getByLabel(label).fill(value)
  }
  await form.getByRole('button', { name: 'Start rollout' }).click()
  await page.waitForURL(/#\/rollouts\/[^/]+$/, { timeout: SOON })
  return decodeURIComponent(new URL(page.url()).hash.split('/')[2]!)
}

/**
 * Waits on a rollout's page until its state reads `state`. A state it cannot leave (aborted, rolled back…)
 * ends the wait at once with `explain`'s message (the gates' verdicts, say).
 */
export async function waitForRolloutState(page: Page, state: string, explain: (seen: string) => Promise<string>, timeout = 120_000): Promise<void> {
  const final = new Set(['completed', 'aborted', 'rolled-back', 'failed'])
  const label = page.getByLabel('Rollout state')
  await until(`rollout state ${state}`, async () => {
    const text = (await textOf(label)).trim()
    if (text !== state && final.has(text)) throw new Error(`the rollout ended ${text}, not ${state}: ${await explain(text)}`)
    return text
  }, (text) => text === state, timeout)
}
