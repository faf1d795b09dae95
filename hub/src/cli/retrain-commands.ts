import { setTimeout as sleep } from 'node:timers/promises'
import type { Command } from 'commander'
import type { JobList, JobView } from '@edgefleet/protocol'
import { formatTable, print } from './device-commands.ts'
import { DEFAULT_HUB_API, HUB_API_ENV, hubApiFrom, hubRequest, TOKEN_ENV, type HubApi } from './hub-api.ts'
import { Progress } from './progress.ts'

const FINAL = new Set(['succeeded', 'rejected', 'failed', 'cancelled'])
const POLL_MS = 1000

interface ApiFlags {
  hub?: string
  token?: string
  json?: boolean
}

function apiOptions(c: Command, what = 'the job'): Command {
  return c
    .option('--hub <url>', `the hub's REST API (env ${HUB_API_ENV}; default ${DEFAULT_HUB_API})`)
    .option('--token <name.secret>', `operator token (prefer env ${TOKEN_ENV}: flags show in ps); create one with \`edgefleet token add <name> --role operator\``)
    .option('--json', `print ${what} as JSON`)
}

/** `edgefleet retrain <model>` and `edgefleet jobs list|show|cancel`, through a running hub's REST API. */
export function registerRetrainCommands(program: Command): void {
  apiOptions(program.command('retrain <model>'))
    .description('retrain a model now on a running hub: snapshot its labelled samples, train, evaluate against the current version on the newest samples, register the candidate if better (and canary it, by the model\'s policy)')
    .option('--reason <text>', 'why, for the job\'s record')
    .option('--no-wait', 'return once the job is queued instead of showing its progress until it ends')
    .action(async (model: string, o: ApiFlags & { reason?: string; wait: boolean }) => {
      const api = hubApiFrom(o)
      const job = await hubRequest<JobView>(api, 'POST', '/api/v1/jobs', { model, ...(o.reason ? { reason: o.reason } : {}) })
      if (!o.wait) return show(job, o.json)
      if (!o.json) print(`job ${job.id} queued`)
      await follow(api, job.id, o.json)
    })

  const jobs = program.command('jobs').description('retraining jobs on a running hub')
  apiOptions(jobs.command('list', { isDefault: true }), 'the jobs')
    .description('retraining jobs, newest first')
    .option('--model <name>', 'only this model')
    .option('--state <state>', 'only this state: queued, running, succeeded, rejected, failed, cancelled')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(async (o: ApiFlags & { model?: string; state?: string; limit?: string }) => {
      const query = new URLSearchParams({ ...(o.model ? { model: o.model } : {}), ...(o.state ? { state: o.state } : {}), ...(o.limit ? { limit: o.limit } : {}) })
      const { jobs: list } = await hubRequest<JobList>(hubApiFrom(o), 'GET', `/api/v1/jobs?${query}`)
      if (o.json) return print(JSON.stringify(list, null, 2))
      if (list.length === 0) return print('no retraining jobs; start one with `edgefleet retrain <model>`')
      print(formatTable(['id', 'model', 'trigger', 'state', 'from', 'candidate', 'evaluation', 'created'], list.map((j) => [
        j.id, j.model, j.trigger, j.state, j.parentVersion ?? '-', j.candidateVersion ?? '-', evaluationLine(j), new Date(j.createdAt).toISOString(),
      ])))
    })

  apiOptions(jobs.command('show <id>'))
    .description('one job: why it ran, its progress, the candidate against the current version, what it registered and rolled out')
    .option('--watch', 'keep showing its progress until it ends')
    .action(async (id: string, o: ApiFlags & { watch?: boolean }) => {
      const api = hubApiFrom(o)
      if (o.watch) return follow(api, id, o.json)
      show(await hubRequest<JobView>(api, 'GET', `/api/v1/jobs/${encodeURIComponent(id)}`), o.json)
    })

  apiOptions(jobs.command('cancel <id>'))
    .description('cancel a queued job, or stop a running one at its next epoch or step')
    .action(async (id: string, o: ApiFlags) => {
      show(await hubRequest<JobView>(hubApiFrom(o), 'POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`), o.json)
    })
}

/** Shows a job's progress (a bar on stderr) until it ends; exit code 1 unless it succeeded. */
async function follow(api: HubApi, id: string, json?: boolean): Promise<void> {
  const progress = new Progress(!json)
  let job: JobView
  try {
    for (;;) {
      job = await hubRequest<JobView>(api, 'GET', `/api/v1/jobs/${encodeURIComponent(id)}`)
      if (job.progress) progress.update(job.progress.stage, job.progress.done, job.progress.total, job.progress.message ?? '')
      if (FINAL.has(job.state)) break
      await sleep(POLL_MS)
    }
  } finally {
    progress.stop()
  }
  show(job, json)
  if (job.state !== 'succeeded') process.exitCode = 1
}

function evaluationLine(j: JobView): string {
  const e = j.evaluation
  if (!e) return '-'
  const pct = (v: number | undefined) => (v === undefined ? '?' : `${(v * 100).toFixed(1)}%`)
  return `${e.metric} ${pct(e.candidate[e.metric])} vs ${pct(e.current[e.metric])} (${e.passed ? 'passed' : 'below margin'})`
}

function show(j: JobView, json?: boolean): void {
  if (json) return print(JSON.stringify(j, null, 2))
  const lines = [
    `job ${j.id}: ${j.state}`,
    `  model      ${j.model}${j.parentVersion ? ` (retraining ${j.parentVersion})` : ''}`,
    `  trigger    ${j.trigger}: ${j.reason}`,
    `  trainer    ${j.trainer}`,
  ]
  if (j.snapshot !== null) lines.push(`  dataset    snapshot ${j.snapshot}`)
  if (j.progress) lines.push(`  progress   ${j.progress.stage} ${j.progress.done}/${j.progress.total}${j.progress.message ? ` ${j.progress.message}` : ''}`)
  if (j.evaluation) {
    const e = j.evaluation
    lines.push(`  evaluation on the newest ${e.holdoutRows} labelled samples: ${evaluationLine(j)}; improvement ${(e.improvement * 100).toFixed(1)} points, margin ${(e.margin * 100).toFixed(1)}`)
    for (const m of Object.keys(e.candidate).filter((k) => k !== 'rows')) lines.push(`    ${m.padEnd(10)} candidate ${e.candidate[m]!.toFixed(4)}  current ${e.current[m]?.toFixed(4) ?? '?'}`)
  }
  if (j.candidateVersion) lines.push(`  registered ${j.model}@${j.candidateVersion}`)
  if (j.rolloutId) lines.push(`  canary     rollout ${j.rolloutId} (edgefleet rollout show ${j.rolloutId} --watch)`)
  if (j.error) lines.push(`  error      ${j.error.code}: ${j.error.message}`)
  if (j.startedAt && j.finishedAt) lines.push(`  took       ${((j.finishedAt - j.startedAt) / 1000).toFixed(1)} s`)
  print(lines.join('\n'))
}
