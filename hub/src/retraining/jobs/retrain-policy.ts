import Type, { type Static } from 'typebox'
import { HubError } from '../../errors.ts'
import { parseDuration } from '../../rollouts/policy/duration.ts'

/**
 * How one model is retrained: the hub config's `retraining.<model>` (config file only), over
 * {@link DEFAULT_RETRAIN_POLICY}. Durations are written as on the CLI (`30s`, `10m`, `6h`).
 */
export const RetrainPolicyFields = Type.Object(
  {
    /** retrain when a drift alert is raised for the model… */
    onDrift: Type.Optional(Type.Boolean()),
    /** …but not again within this long of the model's last job (any trigger) */
    driftCooldown: Type.Optional(Type.String({ maxLength: 16 })),
    /** a drift-, schedule- or label-triggered job waits until the model has this many labelled samples */
    minLabelled: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    /** retrain on this cron schedule (5 or 6 fields, the hub's local time), e.g. `0 3 * * *` */
    schedule: Type.Optional(Type.String({ maxLength: 128 })),
    /** retrain after this many samples were labelled since the model's last job (0: off) */
    afterLabels: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    /** the metric the evaluation gate compares on the holdout */
    metric: Type.Optional(Type.Enum(['accuracy', 'macroF1'] as const)),
    /** the candidate registers only when better than the current version by at least this (0.01 = one point) */
    margin: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    /** share of the labelled samples, the newest, held out for the evaluation (never trained on) */
    holdoutFraction: Type.Optional(Type.Number({ minimum: 0.05, maximum: 0.5 })),
    /** `builtin` (TF.js, the shipped tabular family) or an external command (argv; `{dataset}`, `{parent}`, `{out}` replaced) */
    trainer: Type.Optional(Type.Union([Type.Literal('builtin'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 64 })])),
    /** built-in trainer: epochs */
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    /** external trainer: give up after this long */
    trainerTimeout: Type.Optional(Type.String({ maxLength: 16 })),
    /** roll a registered candidate out (shadow stage, then waves) through the rollout engine */
    canary: Type.Optional(Type.Boolean()),
    /** the canary rollout's settings, as `edgefleet rollout create` takes them */
    canaryWaves: Type.Optional(Type.String({ maxLength: 64 })),
    canaryShadow: Type.Optional(Type.String({ maxLength: 16 })),
    canarySoak: Type.Optional(Type.String({ maxLength: 16 })),
    canaryTarget: Type.Optional(Type.String({ maxLength: 1024 })),
    /** the canary's gates, as `edgefleet rollout create` takes them in camelCase, e.g. { "maxLatencyIncrease": "off" } */
    canaryGates: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 64 }))),
  },
  { additionalProperties: false },
)
export type RetrainPolicyFields = Static<typeof RetrainPolicyFields>

export interface RetrainPolicy {
  onDrift: boolean
  driftCooldownMs: number
  minLabelled: number
  schedule: string | null
  afterLabels: number
  metric: 'accuracy' | 'macroF1'
  margin: number
  holdoutFraction: number
  trainer: 'builtin' | readonly string[]
  epochs: number | null
  trainerTimeoutMs: number
  canary: boolean
  canaryWaves: string
  canaryShadow: string
  canarySoak: string
  canaryTarget: string
  canaryGates: Readonly<Record<string, string>>
}

/**
 * Defaults: drift starts a job once 200 samples are labelled, at most every 6 hours; the candidate must beat the
 * current version's accuracy on the newest 20 % of the labelled samples by a point; a registered candidate is
 * canaried: a 10-minute shadow stage on 10 % of the fleet, then 10 % and everyone, each watched 5 minutes by the
 * rollout gates. No schedule and no label-count trigger unless configured.
 */
export const DEFAULT_RETRAIN_POLICY: Readonly<RetrainPolicy> = Object.freeze({
  onDrift: true,
  driftCooldownMs: 6 * 3_600_000,
  minLabelled: 200,
  schedule: null,
  afterLabels: 0,
  metric: 'accuracy',
  margin: 0.01,
  holdoutFraction: 0.2,
  trainer: 'builtin',
  epochs: null,
  trainerTimeoutMs: 3_600_000,
  canary: true,
  canaryWaves: '10,100',
  canaryShadow: '10m',
  canarySoak: '5m',
  canaryTarget: 'all',
  canaryGates: {},
})

/** The policy of `model`: its configured fields over the defaults. Throws HUB_CONFIG_INVALID naming a bad duration. */
export function retrainPolicy(model: string, fields: RetrainPolicyFields | undefined): RetrainPolicy {
  const f = fields ?? {}
  const ms = (key: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback
    const v = parseDuration(text)
    if (typeof v === 'string') throw new HubError('HUB_CONFIG_INVALID', `retraining.${model}.${key}: ${v}`)
    return v
  }
  const d = DEFAULT_RETRAIN_POLICY
  return {
    onDrift: f.onDrift ?? d.onDrift,
    driftCooldownMs: ms('driftCooldown', f.driftCooldown, d.driftCooldownMs),
    minLabelled: f.minLabelled ?? d.minLabelled,
    schedule: f.schedule ?? d.schedule,
    afterLabels: f.afterLabels ?? d.afterLabels,
    metric: f.metric ?? d.metric,
    margin: f.margin ?? d.margin,
    holdoutFraction: f.holdoutFraction ?? d.holdoutFraction,
    trainer: f.trainer ?? d.trainer,
    epochs: f.epochs ?? d.epochs,
    trainerTimeoutMs: ms('trainerTimeout', f.trainerTimeout, d.trainerTimeoutMs),
    canary: f.canary ?? d.canary,
    canaryWaves: f.canaryWaves ?? d.canaryWaves,
    canaryShadow: f.canaryShadow ?? d.canaryShadow,
    canarySoak: f.canarySoak ?? d.canarySoak,
    canaryTarget: f.canaryTarget ?? d.canaryTarget,
    canaryGates: f.canaryGates ?? d.canaryGates,
  }
}

/** How a trainer is named in jobs and lineage. */
export function trainerName(p: Pick<RetrainPolicy, 'trainer'>): string {
  return p.trainer === 'builtin' ? 'builtin (TF.js MLP)' : `command: ${p.trainer.join(' ')}`.slice(0, 256)
}
