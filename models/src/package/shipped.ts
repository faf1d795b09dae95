import { join } from 'node:path'
import { REPO_ROOT } from '../data/data-dir.ts'

/** The model packages this repository builds and ships (`edgefleet model build all`). */
export const SHIPPED_MODELS = ['gas-sensor', 'ultraface'] as const

/** Name of a shipped model package. */
export type ShippedModel = (typeof SHIPPED_MODELS)[number]

/** Directory of a shipped package's build output: `<repo>/models/packages/<name>` (gitignored). */
export function shippedPackageDir(name: string): string {
  if (!(SHIPPED_MODELS as readonly string[]).includes(name)) {
    throw new RangeError(`${JSON.stringify(name)} is not a shipped model; use one of ${SHIPPED_MODELS.join(', ')}`)
  }
  return join(REPO_ROOT, 'models', 'packages', name)
}
