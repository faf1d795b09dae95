import { setTimeout as sleep } from 'node:timers/promises'
import type { Command } from 'commander'
import type { RolloutList, RolloutView } from '@edgefleet/protocol'
import { DEFAULT_GATES, formatDuration, formatGateValue, GATE_FLAGS, ROLLOUT_DEFAULTS, type GateConfig } from '../rollouts/policy/index.ts'
import { formatTable, print } from './device-commands.ts'
import { DEFAULT_HUB_API, HUB_API_ENV, hubApiFrom, hubRequest, TOKEN_ENV, type HubApi } from './hub-api.ts'

const FINAL = new Set(['completed', 'aborted', 'rolled-back'])
const WATCH_MS = 2000

interface ApiFlags {
  hub?: string
  token?: string
  json?: boolean
}

function apiOptions(c: Command): Command {
  return c
    .option('--hub <url>', `the hub's REST API (env ${HUB_API_ENV}; default ${DEFAULT_HUB_API})`)
    .option('--token <name.secret>', `operator token (prefer env ${TOKEN_ENV}: flags show in ps); create one with \`edgefleet token add <name> --role operator\``)
    .option('--json', 'print the rollout as JSON')
}

/** `edgefleet rollout create|list|show|pause|resume|abort|rollback`, through a running hub's REST API. */
export function registerRolloutCommands(program: Command): void {
  const rollout = program.command('rollout').description('health-gated model rollouts in waves, on a running hub')

  const create = apiOptions(rollout.command('create'))
    .description('roll a registered version out in waves; each wave soaks, then the gates decide: next wave, or abort and roll every updated device back')
    .requiredOption('--model <name@version>', 'the registered version to roll out, e.g. gas-sensor@1.1.0')
    .option('--target <target>', 'all, tag:k=v[,k=v] (every tag must match) or id,id,…', 'all')
    .option('--waves <percents>', `cumulative percentages of the target, the last 100 (default ${ROLLOUT_DEFAULTS.waves.join(',')})`)
    .option('--soak <duration>', `watch each wave this long after it installed, e.g. 30s, 5m, 1h (default ${formatDuration(ROLLOUT_DEFAULTS.soakMs)})`)
    .option('--wave-timeout <duration>', `a device still installing after this counts as failed (default ${formatDuration(ROLLOUT_DEFAULTS.waveTimeoutMs)})`)
    .option('--min-per-wave <n>', `small fleets: each wave takes at least this many devices (default ${ROLLOUT_DEFAULTS.minDevicesPerWave})`)
    .option('--shadow <duration>', 'first run the candidate beside the active model on the first wave for this long (no effect on outputs)')
    .option('--shadow-percent <percent>', 'share of the target running the shadow (default: the first wave\'s)')
    .option('--wait', 'show progress until the rollout completes or aborts; exit 1 unless it completes')
  for (const [flag, field] of Object.entries(GATE_FLAGS)) create.option(`--${flag} <value>`, `${GATE_HELP[field]} (default ${formatGateValue(field, DEFAULT_GATES[field])})`)
  create.action(async (o: ApiFlags & Record<string, unknown> & { wait?: boolean }) => {
    const api = hubApiFrom(o)
    const { hub: _h, token: _t, json: _j, wait, ...flags } = o
    const created = await hubRequest<RolloutView>(api, 'POST', '/api/v1/rollouts', flags)
    if (!wait) return show(created, o.json)
    if (!o.json) print(`rollout ${created.id} created`)
    await watch(api, created.id, o.json)
  })

  apiOptions(rollout.command('list'))
    .description('rollouts, newest first')
    .option('--model <name>', 'only this model')
    .option('--state <state>', 'only this state: shadow, rolling, soaking, paused, completed, aborted, rolled-back')
    .action(async (o: ApiFlags & { model?: string; state?: string }) => {
      const query = new URLSearchParams({ ...(o.model ? { model: o.model } : {}), ...(o.state ? { state: o.state } : {}) })
      const { rollouts } = await hubRequest<RolloutList>(hubApiFrom(o), 'GET', `/api/v1/rollouts?${query}`)
      if (o.json) return print(JSON.stringify(rollouts, null, 2))
      if (rollouts.length === 0) return print('no rollouts; start one with `edgefleet rollout create --model <name@version>`')
      print(formatTable(['id', 'model', 'from', 'state', 'wave', 'devices', 'created'], rollouts.map((r) => [
        r.id, `${r.model.name}@${r.model.version}`, r.previousVersion ?? '-', r.state, `${r.wave + 1}/${r.waves.length}`,
        `${r.progress.waves.reduce((n, w) => n + (w.counts.active ?? 0), 0)}/${r.progress.targeted}`, new Date(r.createdAt).toISOString(),
      ])))
    })

  apiOptions(rollout.command('show <id>'))
    .description('a rollout: progress per wave (devices per state), gate verdicts, history')
    .option('--watch', 'keep showing it until it completes or aborts')
    .action(async (id: string, o: ApiFlags & { watch?: boolean }) => {
      const api = hubApiFrom(o)
      if (o.watch) return watch(api, id, o.json)
      show(await hubRequest<RolloutView>(api, 'GET', `/api/v1/rollouts/${encodeURIComponent(id)}`), o.json)
    })

  for (const [command, what] of [
    ['pause', 'stop assigning and judging until resumed'],
    ['resume', 'carry on a paused rollout (its clocks move on by the pause)'],
    ['abort', 'stop and roll every updated device back to the version it ran before'],
    ['rollback', 'roll a completed rollout back on every device it updated'],
  ] as const) {
    apiOptions(rollout.command(`${command} <id>`))
      .description(what)
      .option('--reason <text>', 'why, for the rollout history')
      .action(async (id: string, o: ApiFlags & { reason?: string }) => {
        show(await hubRequest<RolloutView>(hubApiFrom(o), 'POST', `/api/v1/rollouts/${encodeURIComponent(id)}/${command}`, o.reason ? { reason: o.reason } : {}), o.json)
      })
  }
}

const GATE_HELP: Record<keyof GateConfig, string> = {
  maxInstallFailureRate: 'abort when more installs fail, e.g. 10%',
  minDevicesExecuted: 'devices that must have installed before a gate can abort',
  maxInferenceErrorRate: 'abort when more inference runs fail or give NaN, e.g. 1%',
  minInferenceRuns: 'inference runs before the error rate is judged',
  maxLatencyIncrease: 'abort when p95 latency grows more than this over the same devices before, e.g. 50%, or off',
  minLatencyIncreaseMs: '…and by more than this many ms (GC pauses make sub-ms models jump by whole ms), e.g. 5ms',
  maxDriftAlerts: 'abort when updated devices raise more drift alerts, or off',
  maxConfidenceDrop: 'abort when mean confidence drops more, e.g. 10%, or off',
  minShadowAgreement: 'with --shadow: least top-1 agreement with the active model, e.g. 95%',
}

/** Polls the rollout, printing it when it changes, until it is final; exit code 1 unless it completed. */
async function watch(api: HubApi, id: string, json?: boolean): Promise<void> {
  let last = ''
  for (;;) {
    const r = await hubRequest<RolloutView>(api, 'GET', `/api/v1/rollouts/${encodeURIComponent(id)}`)
    const shown = JSON.stringify({ s: r.state, w: r.wave, p: r.progress, h: r.history.length })
    if (shown !== last && !json) show(r)
    last = shown
    if (FINAL.has(r.state)) {
      if (json) show(r, true)
      if (r.state !== 'completed') process.exitCode = 1
      return
    }
    await sleep(WATCH_MS)
  }
}

function show(r: RolloutView, json?: boolean): void {
  if (json) return print(JSON.stringify(r, null, 2))
  print(`${r.id}: ${r.model.name}@${r.model.version}${r.previousVersion ? ` (from ${r.previousVersion})` : ''} to ${r.target} — ${r.state}${r.reason ? ` (${r.reason})` : ''}, wave ${r.wave + 1} of ${r.waves.length}`)
  const states = ['pending', 'installing', 'active', 'failed', 'rolled-back', 'offline'] as const
  const rows = r.progress.waves.map((w) => [`${w.index + 1}`, `${w.percent}%`, `${w.expected}`, `${w.assigned}`, ...states.map((s) => `${w.counts[s] ?? 0}`)])
  if (r.progress.shadow) rows.unshift(['shadow', '', '', `${r.progress.shadow.assigned}`, ...states.map((s) => `${r.progress.shadow!.counts[s] ?? 0}`)])
  print(formatTable(['wave', 'share', 'expected', 'assigned', ...states], rows).trimEnd())
  for (const g of r.verdict.results) print(`  ${g.passed ? 'ok  ' : 'FAIL'} ${g.message}`)
  const recent = r.history.slice(-3)
  for (const h of recent) print(`  ${new Date(h.at).toISOString()} ${h.event}: ${h.message}`)
}
