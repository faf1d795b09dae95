import type { Command } from 'commander'
import type { DeviceSecret, DeviceView } from '@edgefleet/protocol'
import { DEFAULT_HUB_API, HUB_API_ENV, hubApiFrom, hubRequest, TOKEN_ENV } from './hub-api.ts'
import { print, printSecret } from './device-commands.ts'
import { UsageError } from './model-commands.ts'

/** Help of the `--hub` flag of device commands that talk to the running hub. */
export const HUB_FLAG_HELP = `the hub's REST API (env ${HUB_API_ENV}; default ${DEFAULT_HUB_API})`
/** Help of their `--token` flag. */
export const TOKEN_FLAG_HELP = `admin operator token (prefer env ${TOKEN_ENV}: flags show in ps); create one with \`edgefleet token add <name> --role admin\``

const REVOKE_HELP = `
Revoke talks to the running hub (only it can drop the device's connection): the device is disconnected
at once and every later connection is refused; it stays in \`device list\`, marked revoked, with its
telemetry and events. To delete it instead, use \`edgefleet device remove <id>\`.`

/** `edgefleet device revoke <id>`, through the running hub's REST API. */
export function registerDeviceRevokeCommand(device: Command): void {
  device
    .command('revoke <id>')
    .description('revoke a device: the running hub disconnects it now and refuses it after; it stays listed, marked revoked, with its data')
    .option('--hub <url>', HUB_FLAG_HELP)
    .option('--token <name.secret>', TOKEN_FLAG_HELP)
    .option('--json', 'print the revoked device as JSON')
    .addHelpText('after', REVOKE_HELP)
    .action(async (id: string, o: { hub?: string; token?: string; json?: boolean }) => {
      const revoked = await hubRequest<DeviceView>(hubApiFrom(o), 'POST', `/api/v1/devices/${encodeURIComponent(id)}/revoke`)
      if (o.json) return print(JSON.stringify(revoked, null, 2))
      print(`device ${id} revoked${revoked.online ? '' : ' and disconnected'}; its connections are refused from now on`)
    })
}

/** `device rotate-secret <id> --hub … --token …`: the running hub rotates the secret and drops a connection made with the old one. */
export async function rotateThroughHub(id: string, o: { hub?: string; token?: string; link?: string; json?: boolean }): Promise<void> {
  if (o.link !== undefined) throw new UsageError('--link needs the data-dir form: run `edgefleet device rotate-secret <id> --link <hub-url>` beside the hub\'s --data-dir')
  const { secret } = await hubRequest<DeviceSecret>(hubApiFrom(o), 'POST', `/api/v1/devices/${encodeURIComponent(id)}/rotate-secret`)
  if (o.json) return print(JSON.stringify({ id, secret }, null, 2))
  print(`device ${id} has a new secret; the old one no longer works and a connection made with it was dropped`)
  printSecret('secret', secret)
}
