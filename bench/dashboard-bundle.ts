/**
 * Dashboard bundle benchmark (pnpm bench:dashboard): builds the dashboard with vite's `build()` into a
 * temp dir and prints each asset's raw / gzip / brotli size and the JavaScript total against the 250 kB
 * gzip budget, side by side with a baseline built the same way: the dashboard's libraries alone (every
 * library entry point the dashboard imports, every export kept), so the difference is what our own code
 * adds.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { extname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { REPO_ROOT } from '@edgefleet/models'

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean' },
    keep: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (args.help) {
  process.stdout.write(
    'usage: tsx bench/dashboard-bundle.ts [--json] [--keep]\n' +
      '  builds dashboard/ and a libraries-only baseline with vite into a temp dir and prints raw/gzip/brotli sizes\n' +
      '  --json  print the figures as JSON\n  --keep  keep the temp dir (its path is printed)\n',
  )
  process.exit(0)
}

/** What a first visit may download, gzip-compressed JavaScript (kB = 1000 bytes): the dashboard's budget. */
const JS_GZIP_BUDGET = 250_000
const DASHBOARD = join(REPO_ROOT, 'dashboard')

interface AssetSize {
  file: string
  raw: number
  gzip: number
  brotli: number
}

/** The part of vite's API used here (vite is the dashboard's dependency, not the bench's, so its types are not in reach). */
interface ResolveContext {
  resolve(source: string, importer: string, options: Record<string, unknown>): Promise<unknown>
}
interface Vite {
  build(config: {
    root: string
    configFile: string | false
    logLevel: 'error'
    build: Record<string, unknown>
    plugins?: { name: string; enforce: 'pre'; resolveId(this: ResolveContext, source: string, importer: string | undefined, options: Record<string, unknown>): Promise<unknown> }[]
  }): Promise<unknown>
}

// the dashboard's own copy of vite, as its `vite build` uses
const vitePath = createRequire(join(DASHBOARD, 'package.json')).resolve('vite')
const { build } = (await import(pathToFileURL(vitePath).href)) as Vite

/** The dashboard exactly as `vite build` makes it (its own vite.config.ts), into `outDir`. */
async function buildDashboard(outDir: string): Promise<AssetSize[]> {
  await build({ root: DASHBOARD, configFile: join(DASHBOARD, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } })
  return sizes(outDir)
}

/**
 * The libraries alone: an entry importing every module specifier of the dashboard's non-workspace
 * dependencies that its source imports (`preact`, `preact/hooks`, `uplot`, their CSS, …), each namespace
 * kept alive so that nothing is tree-shaken, built with the same vite settings.
 */
async function buildBaseline(outDir: string): Promise<AssetSize[]> {
  const specifiers = libraryImports()
  const root = mkdtempSync(join(work, 'baseline-src-'))
  const scripts = specifiers.filter((s) => !s.endsWith('.css'))
  writeFileSync(join(root, 'baseline.js'), [
    ...specifiers.filter((s) => s.endsWith('.css')).map((s) => `import ${JSON.stringify(s)}`),
    ...scripts.map((s, i) => `import * as lib${i} from ${JSON.stringify(s)}`),
    // a namespace that escapes keeps every export
    `globalThis.baseline = [${scripts.map((_, i) => `lib${i}`).join(', ')}]`,
  ].join('\n'))
  writeFileSync(join(root, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body><script type="module" src="./baseline.js"></script></body></html>\n')
  const importer = join(DASHBOARD, 'index.html')
  await build({
    root,
    configFile: false,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022' },
    plugins: [{
      name: 'resolve-from-dashboard',
      enforce: 'pre',
      // the baseline's bare imports resolve exactly as the dashboard's own do
      async resolveId(source, from, options) {
        if (from === undefined || source.startsWith('.') || source.startsWith('/') || source.startsWith('\0')) return null
        return this.resolve(source, importer, { ...options, skipSelf: true })
      },
    }],
  })
  return sizes(outDir)
}

/** Module specifiers of the dashboard's non-workspace dependencies that `dashboard/src` imports (each library's root at least). */
function libraryImports(): string[] {
  const pkg = JSON.parse(readFileSync(join(DASHBOARD, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
  const libraries = Object.entries(pkg.dependencies ?? {}).filter(([, range]) => !range.startsWith('workspace:')).map(([name]) => name)
  const found = new Set<string>(libraries)
  const source = listFiles(join(DASHBOARD, 'src')).filter((f) => /\.(tsx?|jsx?|css)$/.test(f)).map((f) => readFileSync(f, 'utf8')).join('\n')
  for (const m of source.matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)) {
    const s = m[1]!
    if (libraries.some((l) => s === l || s.startsWith(`${l}/`))) found.add(s)
  }
  // the automatic JSX runtime is imported by the compiled TSX, not by the source
  if (libraries.includes('preact') && listFiles(join(DASHBOARD, 'src')).some((f) => /\.[jt]sx$/.test(f))) found.add('preact/jsx-runtime')
  return [...found].sort()
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]))
}

function sizes(dir: string): AssetSize[] {
  return listFiles(dir).sort().map((f) => {
    const bytes = readFileSync(f)
    return {
      file: relative(dir, f),
      raw: statSync(f).size,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    }
  })
}

const isJs = (a: AssetSize): boolean => ['.js', '.mjs'].includes(extname(a.file))
const total = (assets: AssetSize[], pick: (a: AssetSize) => boolean = () => true) =>
  assets.filter(pick).reduce((t, a) => ({ raw: t.raw + a.raw, gzip: t.gzip + a.gzip, brotli: t.brotli + a.brotli }), { raw: 0, gzip: 0, brotli: 0 })

function report(dashboard: AssetSize[], baseline: AssetSize[]): void {
  const js = total(dashboard, isJs)
  const libs = total(baseline, isJs)
  const specifiers = libraryImports()
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ budget: { jsGzip: JS_GZIP_BUDGET }, dashboard: { assets: dashboard, js }, baseline: { libraries: specifiers, assets: baseline, js: libs }, ownCode: { raw: js.raw - libs.raw, gzip: js.gzip - libs.gzip, brotli: js.brotli - libs.brotli } }, null, 2)}\n`)
    return
  }
  const kb = (n: number): string => `${(n / 1000).toFixed(1)} kB`.padStart(10)
  const row = (name: string, s: { raw: number; gzip: number; brotli: number }): string => `  ${name.padEnd(44)}${kb(s.raw)}${kb(s.gzip)}${kb(s.brotli)}\n`
  let out = `dashboard bundle (vite build, node ${process.version})\n\n  ${'asset'.padEnd(44)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}\n`
  out += 'dashboard (what the hub serves)\n'
  for (const a of dashboard) out += row(a.file, a)
  out += row('JS total', js)
  out += `baseline: the libraries alone (${specifiers.join(', ')})\n`
  for (const a of baseline) out += row(a.file, a)
  out += row('JS total', libs)
  out += row('our own code (dashboard JS − baseline JS)', { raw: js.raw - libs.raw, gzip: js.gzip - libs.gzip, brotli: js.brotli - libs.brotli })
  out += '  (at least: the baseline keeps every export of each library, the dashboard only the ones it uses)\n'
  const share = (js.gzip / JS_GZIP_BUDGET) * 100
  out += `\nJS gzip total ${(js.gzip / 1000).toFixed(1)} kB of the ${JS_GZIP_BUDGET / 1000} kB budget (${share.toFixed(0)} %): ${js.gzip <= JS_GZIP_BUDGET ? 'within' : 'OVER'} budget\n`
  process.stdout.write(out)
}

const work = mkdtempSync(join(tmpdir(), 'ef-dashboard-bundle-'))
try {
  const dashboard = await buildDashboard(join(work, 'dashboard'))
  const baseline = await buildBaseline(join(work, 'baseline'))
  report(dashboard, baseline)
} finally {
  if (args.keep) process.stderr.write(`kept ${work}\n`)
  else rmSync(work, { recursive: true, force: true })
}
