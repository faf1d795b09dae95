import { readPackage, verifyPackageDigest } from '../package/read-package.ts'
import { SHIPPED_MODELS, shippedPackageDir, type ShippedModel } from '../package/shipped.ts'
import { readStamp } from './build-stamp.ts'
import type { BuildOptions, BuildReport } from './build-types.ts'
import { buildGasSensor, gasSensorStamp } from './gas-sensor/build-gas-sensor.ts'
import { buildUltraface, ultrafaceStamp } from './ultraface/build-ultraface.ts'

const BUILDERS: Record<ShippedModel, { build: (o: BuildOptions) => Promise<BuildReport>; stamp: (o: BuildOptions) => Promise<string> }> = {
  'gas-sensor': { build: buildGasSensor, stamp: gasSensorStamp },
  ultraface: { build: buildUltraface, stamp: ultrafaceStamp },
}

/**
 * Builds shipped packages, skipping each one that is up to date: its directory holds a valid package
 * whose model file matches its digest and whose `.build-stamp` equals what this build would write (same
 * input files, seed, builder version). `force` rebuilds regardless. `outDir` needs a single model.
 */
export async function buildShipped(which: ShippedModel | 'all', o: BuildOptions & { force?: boolean } = {}): Promise<BuildReport[]> {
  const names = which === 'all' ? [...SHIPPED_MODELS] : [which]
  if (!names.every((n) => n in BUILDERS)) throw new RangeError(`unknown model ${JSON.stringify(which)}: choose one of ${SHIPPED_MODELS.join(', ')} or all`)
  if (o.outDir !== undefined && names.length > 1) throw new RangeError('outDir names one package directory: build a single model with it, not all')
  const reports: BuildReport[] = []
  for (const name of names) {
    const builder = BUILDERS[name]
    const options = { ...o, outDir: o.outDir ?? shippedPackageDir(name) }
    const existing = o.force ? null : await upToDate(options.outDir, await builder.stamp(options))
    reports.push(existing ?? (await builder.build(options)))
  }
  return reports
}

/** The report of the package in `dir` when it carries `stamp` and is intact; otherwise null. */
async function upToDate(dir: string, stamp: string): Promise<BuildReport | null> {
  if ((await readStamp(dir)) !== stamp) return null
  try {
    const pkg = await readPackage(dir)
    await verifyPackageDigest(pkg)
    const m = pkg.manifest
    return { name: m.name, version: m.version, dir, sha256: m.model.sha256, metrics: m.training.metrics, evaluations: m.training.evaluations, skipped: true }
  } catch {
    // a broken or tampered package is simply rebuilt
    return null
  }
}
