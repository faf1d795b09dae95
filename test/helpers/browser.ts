import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '@edgefleet/models'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** The Debian package's launcher; `EDGEFLEET_CHROMIUM` names another binary. */
export const CHROMIUM_PATH = process.env.EDGEFLEET_CHROMIUM ?? '/usr/bin/chromium'

/** Why no browser is available, for the message of a test that must fail under CI. */
export const CHROMIUM_MISSING =
  `Chromium is not available at ${CHROMIUM_PATH}: install it (\`apt-get install -y chromium\`, as \`.ci/run\` does) ` +
  'or point EDGEFLEET_CHROMIUM at a Chromium binary; the dashboard tests drive it with playwright-core (never `playwright install`)'

/** The built dashboard the hub serves at `/`. */
export const DASHBOARD_INDEX = join(REPO_ROOT, 'dashboard', 'dist', 'index.html')

export const DASHBOARD_MISSING =
  `the dashboard is not built (${DASHBOARD_INDEX} is missing): build it with ` +
  '`npx --yes pnpm@12.4.2 --filter @edgefleet/dashboard build` (the root `check` script does)'

/** True when the browser binary exists. */
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH)

/**
 * Flags for running as root in a container: no sandbox (it needs user namespaces), no GPU, and nothing
 * that phones home or updates itself while a test runs.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
]

/** Something the page reported that a user would call broken: an uncaught exception or a console error. */
export interface PageProblem {
  kind: 'pageerror' | 'console'
  text: string
  /** the page's URL when it happened */
  url: string
}

/** One Chromium with a fresh profile, and the problems its pages reported. */
export interface BrowserSession {
  readonly context: BrowserContext
  /** the first tab */
  readonly page: Page
  /** every page error and console error so far, in order */
  readonly problems: readonly PageProblem[]
  /** problems whose text matches none of `expected` (e.g. the 401 of a deliberately wrong token) */
  unexpectedProblems(expected?: readonly RegExp[]): PageProblem[]
  /** closes the browser and removes its profile; idempotent */
  close(): Promise<void>
}

export interface LaunchOptions {
  /** default 1280 × 800 */
  viewport?: { width: number; height: number }
  /** device scale factor, for sharper screenshots (default 1) */
  deviceScaleFactor?: number
}

/**
 * Launches headless Chromium through playwright-core with a fresh `--user-data-dir` (removed on close),
 * recording every page's uncaught errors and console errors. Throws {@link CHROMIUM_MISSING} when there
 * is no browser.
 */
export async function launchBrowser(o: LaunchOptions = {}): Promise<BrowserSession> {
  if (!chromiumAvailable()) throw new Error(CHROMIUM_MISSING)
  const profile = await mkdtemp(join(tmpdir(), 'ef-chromium-'))
  let context: BrowserContext
  try {
    // a persistent context is how playwright takes a profile directory of ours (it refuses --user-data-dir in args)
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: o.viewport ?? { width: 1280, height: 800 },
      deviceScaleFactor: o.deviceScaleFactor ?? 1,
      // the launcher script of Debian's package runs first; give a cold start on a busy machine time
      timeout: 60_000,
    })
  } catch (err) {
    await rm(profile, { recursive: true, force: true })
    throw err
  }
  const problems: PageProblem[] = []
  const watch = (page: Page): void => {
    page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: `${err.name}: ${err.message}`, url: page.url() }))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push({ kind: 'console', text: m.text(), url: page.url() })
    })
  }
  context.pages().forEach(watch)
  context.on('page', watch)
  const page = context.pages()[0] ?? (await context.newPage())
  let closed: Promise<void> | undefined
  return {
    context,
    page,
    problems,
    unexpectedProblems: (expected = []) => problems.filter((p) => !expected.some((re) => re.test(p.text))),
    close() {
      closed ??= context.close().catch(() => undefined).then(() => rm(profile, { recursive: true, force: true }))
      return closed
    },
  }
}
