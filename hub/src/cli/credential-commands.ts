import { Option, type Command } from 'commander'
import { alertFilters, OPERATOR_ROLES, type OperatorRole } from '@edgefleet/protocol'
import { formatOperatorToken } from '../auth/operator-token.ts'
import { HubError } from '../errors.ts'
import { DEFAULT_HUB_DATA_DIR } from '../paths.ts'
import { describeRegistry } from '../registry/open-registry.ts'
import type { CredentialKind } from '../registry/registry-store.ts'
import { formatTable, print, printSecret, REGISTRY_URL_HELP, registryLocation, withRegistry } from './device-commands.ts'

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
  /** what to print once, for a new credential (with its role, for an operator token) */
  printAdded(name: string, secret: string, role?: OperatorRole): void
  /** extra JSON fields for `add --json` */
  jsonExtra(name: string, secret: string): Record<string, string>
}

/**
 * The role `edgefleet token add` gives when `--role` is left out: the least privilege. A new token can read
 * everything (fleet, drift, alerts, the dashboard) and change nothing until someone asks for more on purpose;
 * a forgotten or leaked token then cannot deploy a model or revoke a device. Tokens made before roles
 * existed were upgraded to admin, so nobody loses access.
 */
export const DEFAULT_TOKEN_ROLE: OperatorRole = 'viewer'

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
  addHelp: '\nThe token is printed once as <name>.<secret>; send it on every API request as\n  Authorization: Bearer <name>.<secret>\n' +
    'Roles: viewer reads everything (every GET, the live stream, the dashboard); operator also changes the\n' +
    'fleet\'s models and rollouts (uploads, rollouts, deployments, acknowledgements, labels, snapshots,\n' +
    'retraining); admin also manages devices and credentials (revoke, rotate secrets).',
  printAdded(name, secret, role) {
    print(`token ${name} added with role ${role}; send it as \`Authorization: Bearer <token>\``)
    printSecret('token', formatOperatorToken(name, secret))
    if (role === 'viewer') print('A viewer token reads only; to change models and rollouts add one with `edgefleet token add <name> --role operator`.')
  },
  jsonExtra: (name, secret) => ({ token: formatOperatorToken(name, secret) }),
}

/** `edgefleet subscriber …` and `edgefleet token …`: add (secret shown once), list, remove. */
export function registerCredentialCommands(program: Command): void {
  for (const spec of [SUBSCRIBER, OPERATOR]) registerKind(program, spec)
}

function registerKind(program: Command, spec: CredentialCommandSpec): void {
  const group = program.command(spec.command).description(spec.description)
  const add = group
    .command('add <name>')
    .description(`add ${spec.aNoun} and print its secret once`)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print {kind, name, secret, …} as JSON')
    .addHelpText('after', spec.addHelp)
  if (spec.kind === 'operator') {
    add.addOption(new Option('--role <role>', 'what the token may do: viewer ⊂ operator ⊂ admin').choices(OPERATOR_ROLES).default(DEFAULT_TOKEN_ROLE))
  }
  add.action(async (name: string, o: { dataDir: string; registryUrl?: string; json?: boolean; role?: OperatorRole }) => {
    const role = spec.kind === 'operator' ? (o.role ?? DEFAULT_TOKEN_ROLE) : undefined
    const { secret } = await withRegistry(o, (r) => (role ? r.addCredential('operator', name, role) : r.addCredential('subscriber', name)))
    if (o.json) return print(JSON.stringify({ kind: spec.kind, name, ...(role ? { role } : {}), secret, ...spec.jsonExtra(name, secret) }, null, 2))
    spec.printAdded(name, secret, role)
  })
  group
    .command('list')
    .description(`list ${spec.noun}s (names${spec.kind === 'operator' ? ', roles' : ''} and when they were added; secrets are never shown)`)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print the list as JSON')
    .action(async (o: { dataDir: string; registryUrl?: string; json?: boolean }) => {
      const list = await withRegistry(o, (r) => r.listCredentials(spec.kind))
      if (o.json) return print(JSON.stringify(list, null, 2))
      if (list.length === 0) return print(`no ${spec.noun}s; add one with \`edgefleet ${spec.command} add <name>\``)
      const added = (c: { createdAt: number }) => new Date(c.createdAt).toISOString()
      if (spec.kind === 'operator') process.stdout.write(formatTable(['NAME', 'ROLE', 'ADDED'], list.map((c) => [c.name, c.role ?? '', added(c)])))
      else process.stdout.write(formatTable(['NAME', 'ADDED'], list.map((c) => [c.name, added(c)])))
    })
  if (spec.kind === 'operator') {
    group
      .command('role <name> <role>')
      .description(`give a token another role (${OPERATOR_ROLES.join(', ')}); it takes effect on the token's next request, the secret stays`)
      .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
      .option('--registry-url <url>', REGISTRY_URL_HELP)
      .action(async (name: string, role: string, o: { dataDir: string; registryUrl?: string }) => {
        if (!(OPERATOR_ROLES as readonly string[]).includes(role)) throw new HubError('HUB_USAGE', `role ${JSON.stringify(role)}: give one of ${OPERATOR_ROLES.join(', ')}`)
        const changed = await withRegistry(o, (r) => r.setOperatorRole(name, role as OperatorRole))
        if (!changed) throw new HubError('HUB_CREDENTIAL_NOT_FOUND', `no operator token ${JSON.stringify(name)} in ${describeRegistry(registryLocation(o))}: see \`edgefleet token list\` with the same --data-dir or --registry-url`)
        print(`token ${name} is now ${role}`)
      })
  }
  group
    .command('remove <name>')
    .description(`remove ${spec.aNoun}; its secret stops working`)
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .action(async (name: string, o: { dataDir: string; registryUrl?: string }) => {
      const removed = await withRegistry(o, (r) => r.removeCredential(spec.kind, name))
      if (!removed) {
        throw new HubError('HUB_CREDENTIAL_NOT_FOUND', `no ${spec.noun} ${JSON.stringify(name)} in ${describeRegistry(registryLocation(o))}: see \`edgefleet ${spec.command} list\` with the same --data-dir or --registry-url`)
      }
      print(`${spec.noun} ${name} removed`)
    })
}

