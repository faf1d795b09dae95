import type { Command } from 'commander'
import { CLAIM_USERNAME_PREFIX } from '@edgefleet/protocol'
import { formatOperatorToken } from '../auth/operator-token.ts'
import { DEFAULT_HUB_DATA_DIR } from '../paths.ts'
import { isClaimPrefix } from '../provisioning/claim-policy.ts'
import type { ClaimTokenRecord, ClaimTokenSpec } from '../registry/claim-store.ts'
import { parseDuration } from '../rollouts/policy/duration.ts'
import { collect, formatTable, formatTags, parseTags, print, REGISTRY_URL_HELP, withRegistry } from './device-commands.ts'
import { UsageError } from './model-commands.ts'

const ADD_HELP = `
Fleet provisioning by claim: flash every device of a batch with the same token, e.g.
  edgefleet-agent run --hub mqtt://hub:1883 --claim-token <name>.<secret> --model gas-sensor --csv …
  or write one image for the whole batch: edgefleet flash --claim-token <name>.<secret> --hub mqtt://hub:1883 --out batch.tar.gz
On its first start each device connects with the token (MQTT username ${CLAIM_USERNAME_PREFIX}<name>), claims its
own identity — device id <prefix>-<serial>, the token's tags, a fresh secret — saves it in its state
directory and runs as that device; later starts use the saved identity, never the token. A device that
claimed before and lost its identity (say it crashed before saving) asks again with the same serial and
gets a new secret for the same device, without spending a use. Revoke the token when the batch is done:
\`edgefleet claim-token revoke <name>\`.`

/** `edgefleet claim-token …`: tokens a batch of devices uses to claim their identities. */
export function registerClaimTokenCommands(program: Command): void {
  const claim = program.command('claim-token').description('claim tokens: one token per batch of devices, each claims its own identity on first connect')
  claim
    .command('add <name>')
    .description('create a claim token and print it once as <name>.<secret>')
    .option('--prefix <id-prefix>', 'device ids are <prefix>-<serial> (default: the token name)')
    .option('--tag <key=value>', 'tag every device the token makes (repeatable)', collect, [])
    .option('--max-uses <n>', 'at most n devices (default: unlimited)')
    .option('--expires <duration>', 'the token stops working after this long: 90m, 12h, 30d (default: never)')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print {…token, token: "<name>.<secret>"} as JSON')
    .addHelpText('after', ADD_HELP)
    .action(async (name: string, o: { prefix?: string; tag: string[]; maxUses?: string; expires?: string; dataDir: string; registryUrl?: string; json?: boolean }) => {
      const spec = claimSpec(name, o, Date.now())
      const { token, secret } = await withRegistry(o, (r) => r.addClaimToken(spec))
      const value = formatOperatorToken(token.name, secret)
      if (o.json) return print(JSON.stringify({ ...token, token: value }, null, 2))
      print(`claim token ${token.name} added: devices become ${token.prefix}-<serial>${formatTags(token.tags) === '-' ? '' : ` tagged ${formatTags(token.tags)}`}, ${usesText(token)}, ${expiryText(token)}`)
      print(`  token: ${value}`)
      print('Store it now; the hub keeps only a hash and cannot show it again. Flash it as --claim-token (or $EDGEFLEET_CLAIM_TOKEN).')
    })
  claim
    .command('list')
    .description('list claim tokens: uses, remaining, expiry, revoked')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print the tokens as JSON')
    .action(async (o: { dataDir: string; registryUrl?: string; json?: boolean }) => {
      const tokens = await withRegistry(o, (r) => r.listClaimTokens())
      if (o.json) return print(JSON.stringify(tokens.map((t) => ({ ...t, remaining: remaining(t) })), null, 2))
      if (tokens.length === 0) return print('no claim tokens; create one with `edgefleet claim-token add <name>`')
      process.stdout.write(formatTable(['NAME', 'PREFIX', 'TAGS', 'USES', 'REMAINING', 'EXPIRES', 'REVOKED'], tokens.map((t) => [
        t.name, t.prefix, formatTags(t.tags), String(t.uses), remaining(t) === null ? 'unlimited' : String(remaining(t)),
        t.expiresAt === null ? 'never' : `${isoMinute(t.expiresAt)}${t.expiresAt <= Date.now() ? ' (expired)' : ''}`,
        t.revokedAt === null ? 'no' : isoMinute(t.revokedAt),
      ])))
    })
  claim
    .command('revoke <name>')
    .description('revoke a claim token: no device can claim with it any more (devices it made keep working)')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print the revoked token as JSON')
    .action(async (name: string, o: { dataDir: string; registryUrl?: string; json?: boolean }) => {
      const token = await withRegistry(o, (r) => r.revokeClaimToken(name, Date.now()))
      if (o.json) return print(JSON.stringify(token, null, 2))
      print(`claim token ${name} revoked; the ${token.uses} device(s) it made keep working (revoke them with \`edgefleet device revoke <id>\`)`)
    })
}

/** The flags of `claim-token add` as a token spec; every bad flag in one UsageError. */
export function claimSpec(name: string, o: { prefix?: string; tag: string[]; maxUses?: string; expires?: string }, now: number): Required<ClaimTokenSpec> {
  const problems: string[] = []
  const prefix = o.prefix ?? name
  if (!isClaimPrefix(prefix)) problems.push(`--prefix ${JSON.stringify(prefix)}: use 1–48 letters, digits, '_', '.' or '-', starting with a letter or digit`)
  let maxUses: number | null = null
  if (o.maxUses !== undefined) {
    maxUses = Number(o.maxUses)
    if (!Number.isSafeInteger(maxUses) || maxUses < 1) problems.push(`--max-uses ${o.maxUses}: give a whole number of at least 1`)
  }
  let expiresAt: number | null = null
  if (o.expires !== undefined) {
    const ms = parseDuration(o.expires)
    if (typeof ms === 'string' || ms <= 0) problems.push(`--expires: ${typeof ms === 'string' ? ms : 'give a duration longer than 0'}`)
    else expiresAt = now + ms
  }
  const tags = parseTags(o.tag)
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return { name, prefix, tags, maxUses, expiresAt }
}

function remaining(t: ClaimTokenRecord): number | null {
  return t.maxUses === null ? null : Math.max(0, t.maxUses - t.uses)
}

function usesText(t: ClaimTokenRecord): string {
  return t.maxUses === null ? 'any number of them' : `at most ${t.maxUses}`
}

function expiryText(t: ClaimTokenRecord): string {
  return t.expiresAt === null ? 'never expires' : `expires ${isoMinute(t.expiresAt)}`
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`
}
