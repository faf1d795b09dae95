import type { Command } from 'commander'
import type { ModelVersionView } from '@edgefleet/protocol'
import { pushModel, PUSH_STEPS } from '../models/push-model.ts'
import { ModelBlobs } from '../models/model-blobs.ts'
import { uploadPackage } from '../models/upload-package.ts'
import { DEFAULT_HUB_DATA_DIR, hubPaths } from '../paths.ts'
import type { ModelVersionRecord } from '../registry/model-store.ts'
import { SigningKeys } from '../signing/signing-keys.ts'
import { formatTable, print, REGISTRY_URL_HELP, withRegistry } from './device-commands.ts'
import { UsageError } from './model-commands.ts'
import { formatBytes, Progress } from './progress.ts'

/** Environment variable with the operator token for `model push --hub` (flags show in ps). */
const TOKEN_ENV = 'EDGEFLEET_TOKEN'

interface PushFlags {
  dataDir: string
  registryUrl?: string
  hub?: string
  token?: string
  json?: boolean
}

/** `edgefleet model push|list|show`: the hub's model registry, on its data directory. */
export function registerRegistryCommands(model: Command): void {
  model
    .command('push <package-dir>')
    .description(`register a model package: ${PUSH_STEPS.join(' → ')} (the ONNX file is stored by digest, the manifest signed with the hub's key)`)
    .option('--hub <url>', 'upload to a running hub\'s REST API, e.g. http://127.0.0.1:8080, instead of registering in a local data directory')
    .option('--token <name.secret>', `operator token for --hub (prefer env ${TOKEN_ENV}: flags show in ps); create one with \`edgefleet token add <name> --role operator\``)
    .option('--data-dir <dir>', 'hub data directory (without --hub)', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print the registered version as JSON')
    .action(async (dir: string, o: PushFlags, command: Command) => {
      if (o.hub !== undefined) return pushToHub(dir, o, command)
      const paths = hubPaths(o.dataDir)
      const keys = await SigningKeys.loadOrCreate(paths.keys)
      const record = await withRegistry(o, (registry) =>
        pushModel(dir, { registry, blobs: new ModelBlobs(paths.models), keys, onStep: (step) => o.json || process.stderr.write(`  ${step}\n`) }),
      )
      if (o.json) return print(JSON.stringify(summary(record), null, 2))
      print(`registered ${record.name}@${record.version} (model sha256 ${record.sha256.slice(0, 12)}…, ${record.size} bytes), signed with key ${keys.keyId} until ${new Date(record.manifest.signature!.expiresAt).toISOString()}`)
    })
  model
    .command('list [name]')
    .description('list registered model versions (of one model, or all), oldest first')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .option('--json', 'print them as JSON')
    .action(async (name: string | undefined, o: { dataDir: string; registryUrl?: string; json?: boolean }) => {
      const versions = await withRegistry(o, (r) => r.listModelVersions(name))
      if (o.json) return print(JSON.stringify(versions.map(summary), null, 2))
      if (versions.length === 0) return print(`no model versions registered${name ? ` for ${name}` : ''}; add one with \`edgefleet model push <package-dir>\``)
      print(formatTable(['model', 'version', 'parent', 'sha256', 'registered'], versions.map((v) => [
        v.name, v.version, v.parentVersion ?? '-', `${v.sha256.slice(0, 12)}…`, new Date(v.createdAt).toISOString(),
      ])))
    })
  model
    .command('show <name@version>')
    .description('show one registered version: its signed manifest (lineage, metrics, drift reference) as JSON')
    .option('--data-dir <dir>', 'hub data directory', DEFAULT_HUB_DATA_DIR)
    .option('--registry-url <url>', REGISTRY_URL_HELP)
    .action(async (ref: string, o: { dataDir: string; registryUrl?: string }) => {
      const at = ref.lastIndexOf('@')
      if (at <= 0) throw new UsageError(`expected <name>@<version>, e.g. gas-sensor@1.0.0, got ${JSON.stringify(ref)}`)
      const [name, version] = [ref.slice(0, at), ref.slice(at + 1)]
      const record = await withRegistry(o, (r) => r.getModelVersion(name, version))
      if (!record) {
        process.stderr.write(`${name}@${version} is not registered; see \`edgefleet model list\`\n`)
        process.exitCode = 1
        return
      }
      print(JSON.stringify({ ...summary(record), manifest: record.manifest }, null, 2))
    })
}

/** `model push --hub`: streams the package to the hub's `POST /api/v1/models`, with a progress bar on stderr. */
async function pushToHub(dir: string, o: PushFlags, command: Command): Promise<void> {
  if (command.getOptionValueSource('dataDir') === 'cli') throw new UsageError('--hub uploads to a running hub and --data-dir registers in a local one: pass one of them')
  const token = o.token ?? process.env[TOKEN_ENV]
  if (!token) throw new UsageError(`--hub needs an operator token: --token <name>.<secret> or env ${TOKEN_ENV} (create one on the hub with \`edgefleet token add <name> --role operator\`)`)
  const progress = new Progress(!o.json)
  let stopped = false
  // the bar's last state is printed on stop: once
  const stop = (): void => {
    if (!stopped) progress.stop()
    stopped = true
  }
  let view: ModelVersionView
  try {
    view = await uploadPackage(dir, {
      hubUrl: o.hub!,
      token,
      onProgress: (sent, total) => progress.update('upload', sent, total, `${formatBytes(sent)} of ${formatBytes(total)}`),
      onSent: () => {
        stop()
        if (!o.json) process.stderr.write(`  sent; the hub checks it: ${PUSH_STEPS.join(' → ')}\n`)
      },
    })
  } finally {
    stop()
  }
  const { manifest: _manifest, lineage: _lineage, artifacts: _artifacts, ...registered } = view
  if (o.json) return print(JSON.stringify(registered, null, 2))
  print(`registered ${view.name}@${view.version} on ${o.hub} (model sha256 ${view.sha256.slice(0, 12)}…, ${view.size} bytes), signed with key ${view.signature.keyId} until ${new Date(view.signature.expiresAt).toISOString()}`)
}

function summary(r: ModelVersionRecord): Omit<ModelVersionRecord, 'manifest'> & { signature: ModelVersionRecord['manifest']['signature'] } {
  return { name: r.name, version: r.version, sha256: r.sha256, size: r.size, parentVersion: r.parentVersion, createdAt: r.createdAt, signature: r.manifest.signature }
}
