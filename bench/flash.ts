/**
 * Flash bundle benchmark (pnpm bench:flash): builds the agent bundle, flashes a device for each shipped
 * model into a temp hub data directory with the real `edgefleet flash` CLI (to a .tar.gz and to a
 * directory), and prints the bundle's size: the .tar.gz, unpacked, the agent's JS, the WASM, the model,
 * side by side with a baseline, what a device would otherwise install to run the agent from source
 * (edge-agent's production dependency closure in node_modules, onnxruntime-node and sharp included).
 * Also times a cold start of the unpacked bundle on plain node: `self-test` of the flashed model.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '@edgefleet/models'
import { bundleAgent } from './agent-bundle.ts'

const { values: args } = parseArgs({ options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
if (args.help) {
  process.stdout.write('usage: tsx bench/flash.ts [--json]\n  flashes gas-sensor and ultraface bundles into a temp dir and prints their sizes and a cold start\n')
  process.exit(0)
}

interface Sizes { total: number; js: number; wasm: number; model: number; packed?: number }

const work = mkdtempSync(join(tmpdir(), 'edgefleet-bench-flash-'))
const CLEAN_ENV = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MiB`

function flash(model: string, out: string): Sizes {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'hub/src/cli/main.ts'), 'flash', '--device', `bench-${model}`, '--hub', 'mqtt://127.0.0.1:1883',
    '--model', model, '--out', out, '--data-dir', join(work, 'hub'), '--force', '--json'], { cwd: REPO_ROOT, encoding: 'utf8' })
  return (JSON.parse(stdout) as { sizes: Sizes }).sizes
}

/** Bytes of the production dependency closure of edge-agent as installed here (what a device running from source needs besides the code). */
function sourceInstallBytes(): number {
  const out = execFileSync('npx', ['--yes', 'pnpm@12.4.2', '--filter', '@edgefleet/edge-agent', 'list', '--prod', '--depth', 'Infinity', '--parseable'], { cwd: REPO_ROOT, encoding: 'utf8' })
  // optional dependencies for other platforms are listed but not installed here
  const dirs = [...new Set(out.split('\n').filter((l) => l.includes('node_modules') && existsSync(l)))]
  return dirs.reduce((sum, d) => sum + Number(execFileSync('du', ['-sb', d], { encoding: 'utf8' }).split('\t')[0]), 0)
}

try {
  await bundleAgent()
  const rows: (Sizes & { name: string; coldStartMs: number })[] = []
  for (const model of ['gas-sensor', 'ultraface']) {
    const tarball = flash(model, join(work, `${model}.tar.gz`))
    const dir = join(work, model)
    mkdirSync(dir)
    execFileSync('tar', ['-xzf', join(work, `${model}.tar.gz`), '-C', dir])
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [join(dir, 'edgefleet-agent.mjs'), 'self-test', '--model', join(dir, 'model')], { cwd: dir, env: CLEAN_ENV, encoding: 'utf8' })
    const coldStartMs = performance.now() - t0
    if (r.status !== 0) throw new Error(`self-test of the unpacked ${model} bundle failed: ${r.stderr}`)
    rows.push({ name: model, ...tarball, coldStartMs })
  }
  const baseline = sourceInstallBytes()
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ bundles: rows, sourceInstallBytes: baseline }, null, 2)}\n`)
  } else {
    process.stdout.write(`${'model'.padEnd(12)} ${'tar.gz'.padStart(10)} ${'unpacked'.padStart(10)} ${'agent JS'.padStart(10)} ${'WASM'.padStart(10)} ${'model'.padStart(10)} ${'cold self-test'.padStart(15)}\n`)
    for (const r of rows) {
      process.stdout.write(`${r.name.padEnd(12)} ${mib(r.packed!).padStart(10)} ${mib(r.total).padStart(10)} ${mib(r.js).padStart(10)} ${mib(r.wasm).padStart(10)} ${mib(r.model).padStart(10)} ${`${r.coldStartMs.toFixed(0)} ms`.padStart(15)}\n`)
    }
    process.stdout.write(`baseline: edge-agent's production dependencies installed from source (node_modules): ${mib(baseline)}\n`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
