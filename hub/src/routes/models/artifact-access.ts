import type { Desired, ModelRef } from '@edgefleet/protocol'

/** The model versions a device's desired state names: its active target and its shadow candidate. */
export function desiredVersions(desired: Desired | null): ModelRef[] {
  if (!desired) return []
  return [desired.active, desired.shadow ?? null].filter((t) => t !== null).map((t) => ({ name: t.name, version: t.version }))
}

/**
 * A device may download a model version's files only while its desired state names that version
 * (active or shadow): a device secret alone does not open the whole registry.
 */
export function deviceMayFetch(desired: Desired | null, ref: ModelRef): boolean {
  return desiredVersions(desired).some((t) => t.name === ref.name && t.version === ref.version)
}
