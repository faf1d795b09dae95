import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { ALERT_KINDS, type Alert } from '@edgefleet/protocol'
import { DEFAULT_HUB_DATA_DIR } from '../paths.ts'
import type { AlertQuery, AlertRecord } from '../registry/alert-store.ts'
import { formatTable, print, REGISTRY_URL_HELP, withRegistry } from './device-commands.ts'
import { UsageError } from './model-commands.ts'

const STATES = ['raised', 'cleared'] as const
const MAX_MESSAGE = 60

interface ListFlags {
  state?: string
  model?: string
  device?: string
  kind?: string
  unacked?: boolean
  limit: string
  before?: string
  dataDir: string
  registryUrl?: string
  json?: boolean
}

/** `edgefleet alerts …`: the alert history in the hub's registry, and acknowledging alerts. */
export function registerAlertCommands(program: Command): void {
  const alerts = program.command('alerts').description('drift alerts the hub raised and cleared: list them, acknowledge them')
  alerts
    .command('list')
    .description('list alerts, newest first: id, time, state, severity, kind, model@version, device (or fleet), who acknowledged')
    .option('--state <state>', 'only raised or only cleared alerts')
    .option('--model <name>', 'only alerts of this model')
    .option('--device <id>', 'only alerts of this device')
    .option('--kind <kind>', `only alerts of this kind: ${ALERT_KINDS.join(', ')}`)
    .option('--unacked', 'only alerts nobody has acknowledged')
    .option('--limit <n>', 'at most this many (1–1000)', '50')
    .option('--before <id>', 'only alerts older than this one (the next page)')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print {alerts: [{alert, ack}], next} as JSON')
    .action(async (o: ListFlags) => {
      const page = await withRegistry(o, (r) => r.listAlerts(parseListFlags(o)))
      if (o.json) return print(JSON.stringify(page, null, 2))
      if (page.alerts.length === 0) return print('no alerts match')
      process.stdout.write(formatTable(['ID', 'TIME', 'STATE', 'SEVERITY', 'KIND', 'MODEL', 'DEVICE', 'ACK', 'MESSAGE'], page.alerts.map(alertRow)))
      if (page.next) print(`more: add --before ${page.next}`)
    })
  alerts
    .command('ack <id>')
    .description('acknowledge an alert, with an optional note; an alert keeps its first acknowledgement')
    .option('--note <text>', 'why, or what is being done about it')
    .option('--by <name>', 'who acknowledges (default: the user running this command)')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print {alert, ack} as JSON')
    .action(async (id: string, o: { note?: string; by?: string; dataDir: string; registryUrl?: string; json?: boolean }) => {
      const by = o.by ?? userInfo().username
      if (by.length === 0 || by.length > 128) throw new UsageError('--by must be 1–128 characters')
      if (o.note !== undefined && o.note.length > 1024) throw new UsageError('--note must be at most 1024 characters')
      const at = Date.now()
      const record = await withRegistry(o, (r) => r.acknowledgeAlert(id, { by, note: o.note ?? null, at }))
      if (o.json) return print(JSON.stringify(record, null, 2))
      const ack = record.ack!
      if (ack.at === at && ack.by === by) print(`alert ${id} acknowledged by ${by}`)
      else print(`alert ${id} was already acknowledged by ${ack.by} at ${formatTime(ack.at)}${ack.note ? ` (${ack.note})` : ''}; kept that`)
    })
}

function parseListFlags(o: ListFlags): AlertQuery {
  const limit = Number(o.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000')
  if (o.state !== undefined && !(STATES as readonly string[]).includes(o.state)) throw new UsageError(`--state must be ${STATES.join(' or ')}`)
  if (o.kind !== undefined && !(ALERT_KINDS as readonly string[]).includes(o.kind)) throw new UsageError(`--kind must be one of ${ALERT_KINDS.join(', ')}`)
  return {
    limit,
    ...(o.state ? { state: o.state as Alert['state'] } : {}),
    ...(o.kind ? { kind: o.kind as Alert['kind'] } : {}),
    ...(o.model ? { model: o.model } : {}),
    ...(o.device ? { deviceId: o.device } : {}),
    ...(o.unacked ? { acknowledged: false } : {}),
    ...(o.before ? { before: o.before } : {}),
  }
}

function alertRow({ alert: a, ack }: AlertRecord): string[] {
  const message = a.message.length > MAX_MESSAGE ? `${a.message.slice(0, MAX_MESSAGE - 1)}…` : a.message
  return [a.id, formatTime(a.ts), a.state, a.severity, a.kind, `${a.model.name}@${a.model.version}`, a.deviceId ?? 'fleet', ack?.by ?? '-', message]
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`
}

