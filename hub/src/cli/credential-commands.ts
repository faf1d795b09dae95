import type { Command } from 'commander'
import { alertFilters } from '@edgefleet/protocol'
import { formatOperatorToken } from '../auth/operator-token.ts'
import { HubError } from '../errors.ts'
import { DEFAULT_HUB_DATA_DIR, hubPaths } from '../paths.ts'
import type { CredentialKind } from '../registry/registry-store.ts'
import { formatTable, print, printSecret, withRegistry } from './device-commands.ts'

/** How one kind of credential is presented on the command line. */
interface CredentialCommandSpec {
  kind: CredentialKind
  command: string
  /** what one credential is called in messages */
  noun: string
  /** the same with its article, for help text */
  aNoun: string
  description: string
  /** extra help after `add --help` */
  addHelp: string
  /** what to print once, for a new credential */
  printAdded(name: string, secret: string): void
  /** extra JSON fields for `add --json` */
  jsonExtra(name: string, secret: string): Record<string, string>
}

const SUBSCRIBER: CredentialCommandSpec = {
  kind: 'subscriber',
  command: 'subscriber',
  noun: 'subscriber',
  aNoun: 'a subscriber',
  description: 'alert subscribers: MQTT clients that may read alerts only (username = name, password = secret)',
  addHelp: `\nConnect to the hub's MQTT broker with username <name> and the printed password, and subscribe to\nfilters under ${alertFilters.all().slice(0, -1)}, e.g. ${alertFilters.all()} or ${alertFilters.model('gas-sensor')}.`,
  printAdded(name, secret) {
    print(`subscriber ${name} added; connect to the hub's MQTT broker with`)
    print(`  username: ${name}`)
    printSecret('password', secret)
    print(`Subscribe to alert filters such as ${alertFilters.all()}.`)
  },
  jsonExtra: (name, secret) => ({ username: name, password: secret }),
}

const OPERATOR: CredentialCommandSpec = {
  kind: 'operator',
  command: 'token',
  noun: 'operator token',
  aNoun: 'an operator token',
  description: 'operator API tokens, sent as `Authorization: Bearer <name>.<secret>`',
  addHelp: '\nThe token is printed once as <name>.<secret>; send it on every API request as\n  Authorization: Bearer <name>.<secret>',
  printAdded(name, secret) {
    print(`token ${name} added; send it as \`Authorization: Bearer <token>\``)
    printSecret('token', formatOperatorToken(name, secret))
  },
  jsonExtra: (name, secret) => ({ token: formatOperatorToken(name, secret) }),
}

/** `edgefleet subscriber …` and `edgefleet token …`: add (secret shown once), list, remove. */
export function registerCredentialCommands(program: Command): void {
  for (const spec of [SUBSCRIBER, OPERATOR]) registerKind(program, spec)
}

function registerKind(program: Command, spec: CredentialCommandSpec): void {
  const group = program.command(spec.command).description(spec.description)
  group
    .command('add <name>')
    .description(`add ${spec.aNoun} and print its secret once`)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--json', 'print {kind, name, secret, …} as JSON')
    .addHelpText('after', spec.addHelp)
    .action(async (name: string, o: { dataDir: string; json?: boolean }) => {
      const { secret } = await withRegistry(o.dataDir, (r) => r.addCredential(spec.kind, name))
      if (o.json) return print(JSON.stringify({ kind: spec.kind, name, secret, ...spec.jsonExtra(name, secret) }, null, 2))
      spec.printAdded(name, secret)
    })
  group
    .command('list')
    .description(`list ${spec.noun}s (names and when they were added; secrets are never shown)`)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--json', 'print the list as JSON')
    .action(async (o: { dataDir: string; json?: boolean }) => {
      const list = await withRegistry(o.dataDir, (r) => r.listCredentials(spec.kind))
      if (o.json) return print(JSON.stringify(list, null, 2))
      if (list.length === 0) return print(`no ${spec.noun}s; add one with \`edgefleet ${spec.command} add <name>\``)
      process.stdout.write(formatTable(['NAME', 'ADDED'], list.map((c) => [c.name, new Date(c.createdAt).toISOString()])))
    })
  group
    .command('remove <name>')
    .description(`remove ${spec.aNoun}; its secret stops working`)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .action(async (name: string, o: { dataDir: string }) => {
      const removed = await withRegistry(o.dataDir, (r) => r.removeCredential(spec.kind, name))
      if (!removed) {
        throw new HubError('HUB_CREDENTIAL_NOT_FOUND', `no ${spec.noun} ${JSON.stringify(name)} in ${hubPaths(o.dataDir).registry}: see \`edgefleet ${spec.command} list --data-dir ${o.dataDir}\``)
      }
      print(`${spec.noun} ${name} removed`)
    })
}

