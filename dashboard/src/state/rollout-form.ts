import type { RolloutCreateBody } from '@edgefleet/protocol'

/** The New rollout form's fields, as typed. */
export interface RolloutFormValues {
  model: string
  target: string
  waves: string
  soak: string
  shadow: string
  maxFailureRate: string
  maxErrorRate: string
  maxLatencyIncrease: string
  maxConfidenceDrop: string
  minShadowAgreement: string
}

export const ROLLOUT_FORM_DEFAULTS: Omit<RolloutFormValues, 'model'> = {
  target: 'all',
  waves: '10,50,100',
  soak: '5m',
  shadow: '',
  maxFailureRate: '',
  maxErrorRate: '',
  maxLatencyIncrease: '',
  maxConfidenceDrop: '',
  minShadowAgreement: '',
}

const OPTIONAL = ['waves', 'soak', 'shadow', 'maxFailureRate', 'maxErrorRate', 'maxLatencyIncrease', 'maxConfidenceDrop', 'minShadowAgreement'] as const

/**
 * The `POST /rollouts` body: values trimmed, empty optional fields left out so the hub applies its defaults
 * (and, for `shadow`, no shadow stage). The hub parses the values exactly as the CLI's flags.
 */
export function rolloutBody(values: RolloutFormValues): RolloutCreateBody {
  const body: RolloutCreateBody = { model: values.model.trim(), target: values.target.trim() || 'all' }
  for (const field of OPTIONAL) {
    const value = values[field].trim()
    if (value !== '') body[field] = value
  }
  return body
}
