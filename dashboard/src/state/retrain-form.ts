import type { JobCreateBody, ModelVersionSummary } from '@edgefleet/protocol'

/** Every model with a registered version, by name: what the Retrain form offers. */
export function modelChoices(versions: readonly Pick<ModelVersionSummary, 'name'>[]): string[] {
  return [...new Set(versions.map((v) => v.name))].sort((a, b) => a.localeCompare(b))
}

/** `POST /jobs`'s body: the reason only when one was typed (the hub then records who started it). */
export function retrainBody(model: string, reason: string): JobCreateBody {
  const why = reason.trim()
  return why ? { model, reason: why } : { model }
}
