import Type from 'typebox'
import { DeviceId, Id, ModelRef, ShortText, Timestamp } from './common.ts'
import { Desired } from './hub-messages.ts'
import { DeployStep, ShadowState } from './device-messages.ts'

/** REST bodies of desired state and rollouts (`/api/v1/devices/:id/desired`, `/api/v1/rollouts…`). */

/** `name@version`, e.g. `gas-sensor@1.1.0`. */
export const ModelAtVersion = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}@[0-9A-Za-z.+-]{1,64}$', description: 'name@version' })

/** `PUT /devices/:id/desired`: put one device on a registered version directly (outside a rollout). */
export const DesiredAssignmentBody = Type.Object(
  {
    /** the version to serve (`null`: no target; the device keeps what it runs). An older version than the device runs is sent as a signed rollback. */
    model: Type.Union([ModelAtVersion, Type.Null()]),
    /** a candidate to run beside it without affecting outputs, or `null` to stop one */
    shadow: Type.Optional(Type.Union([ModelAtVersion, Type.Null()])),
  },
  { additionalProperties: false },
)

export const DeploymentView = Type.Object(
  {
    role: Type.Union([Type.Literal('active'), Type.Literal('shadow')]),
    generation: Type.Union([Type.Integer(), Type.Null()]),
    rolloutId: Type.Union([Id, Type.Null()]),
    model: ModelRef,
    step: DeployStep,
    state: Type.String(),
    code: Type.Union([Type.String(), Type.Null()]),
    message: Type.Union([ShortText, Type.Null()]),
    ts: Timestamp,
  },
  { additionalProperties: false },
)

/** `GET /devices/:id/deployment`: what the hub wants the device to run, what it reported, and its health. */
export const DeviceDeployment = Type.Object(
  {
    deviceId: DeviceId,
    desired: Type.Union([Desired, Type.Null()]),
    deployments: Type.Array(DeploymentView),
    health: Type.Union([
      Type.Object(
        {
          at: Timestamp,
          online: Type.Boolean(),
          model: Type.Union([Type.Object({ name: Type.String(), version: Type.String(), sha256: Type.String() }), Type.Null()]),
          latencyMs: Type.Optional(Type.Number()),
          latencyP95Ms: Type.Optional(Type.Number()),
          inferenceRuns: Type.Optional(Type.Integer()),
          inferenceErrors: Type.Optional(Type.Integer()),
          shadow: Type.Optional(Type.Union([ShadowState, Type.Null()])),
        },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
)

export const RolloutParams = Type.Object({ id: Id }, { additionalProperties: false })

const Flag = (description: string) => Type.Optional(Type.String({ maxLength: 64, description }))

/** `POST /rollouts`: the same settings as `edgefleet rollout create`, flag names in camelCase, values as written on the command line. */
export const RolloutCreateBody = Type.Object(
  {
    model: ModelAtVersion,
    /** `all`, `tag:k=v[,k=v]` or `id,id,…` */
    target: Type.String({ minLength: 1, maxLength: 200_000 }),
    waves: Flag('cumulative percentages, e.g. 1,10,50,100 (default)'),
    soak: Flag('how long each wave is watched after it installed, e.g. 5m (default)'),
    waveTimeout: Flag('how long a wave waits for its devices to install, e.g. 30m (default)'),
    minPerWave: Flag('each wave holds at least this many devices while any are left (default 1)'),
    shadow: Flag('run the candidate as a shadow on the first wave for this long before serving, e.g. 30m'),
    shadowPercent: Flag('share of the target running the shadow (default: the first wave\'s)'),
    maxFailureRate: Flag('install failures tolerated, e.g. 10% (default)'),
    minExecuted: Flag('devices that must have installed before a gate can abort (default 1)'),
    maxErrorRate: Flag('inference errors tolerated, e.g. 1% (default)'),
    minInferenceRuns: Flag('inference runs before the error rate is judged (default 100)'),
    maxLatencyIncrease: Flag('p95 latency increase tolerated, e.g. 50% (default) or off'),
    minLatencyIncreaseMs: Flag('p95 latency increase always tolerated, in ms, e.g. 5ms (default)'),
    maxDriftAlerts: Flag('drift alerts tolerated on updated devices (default off)'),
    maxConfidenceDrop: Flag('drop of mean confidence tolerated, e.g. 10% (default) or off'),
    minShadowAgreement: Flag('least top-1 agreement of the shadow with the active model, e.g. 95%'),
  },
  { additionalProperties: false },
)

/** `POST /rollouts/:id/{pause,resume,abort,rollback}` */
export const RolloutCommandBody = Type.Object({ reason: Type.Optional(ShortText) }, { additionalProperties: false })

const Counts = Type.Record(Type.String(), Type.Integer())

/** A rollout: its settings, state, progress per wave (device counts per state), the gates' current verdicts, and its history. */
export const RolloutView = Type.Object(
  {
    id: Id,
    model: ModelRef,
    previousVersion: Type.Union([Type.String(), Type.Null()]),
    target: Type.String(),
    waves: Type.Array(Type.Number()),
    soakMs: Type.Integer(),
    waveTimeoutMs: Type.Integer(),
    minDevicesPerWave: Type.Integer(),
    gates: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])),
    shadow: Type.Union([Type.Object({ soakMs: Type.Integer(), percent: Type.Number() }), Type.Null()]),
    state: Type.String(),
    /** 0-based index of the current wave */
    wave: Type.Integer(),
    reason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    progress: Type.Object({
      targeted: Type.Integer(),
      unassigned: Type.Integer(),
      waves: Type.Array(Type.Object({ index: Type.Integer(), percent: Type.Number(), expected: Type.Integer(), assigned: Type.Integer(), counts: Counts })),
      shadow: Type.Union([Type.Object({ assigned: Type.Integer(), counts: Counts }), Type.Null()]),
    }),
    verdict: Type.Object({
      passed: Type.Boolean(),
      decided: Type.Boolean(),
      executed: Type.Integer(),
      results: Type.Array(Type.Object({ gate: Type.String(), passed: Type.Boolean(), judged: Type.Boolean(), value: Type.Union([Type.Number(), Type.Null()]), threshold: Type.Number(), message: Type.String() })),
    }),
    history: Type.Array(Type.Object({ at: Timestamp, event: Type.String(), message: Type.String() })),
  },
  { additionalProperties: false },
)

export const RolloutList = Type.Object({ rollouts: Type.Array(RolloutView) }, { additionalProperties: false })
export const RolloutListQuery = Type.Object(
  { model: Type.Optional(Type.String({ maxLength: 64 })), state: Type.Optional(Type.String({ maxLength: 32 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
)

export type DesiredAssignmentBody = Type.Static<typeof DesiredAssignmentBody>
export type DeviceDeployment = Type.Static<typeof DeviceDeployment>
export type RolloutCreateBody = Type.Static<typeof RolloutCreateBody>
export type RolloutView = Type.Static<typeof RolloutView>
export type RolloutList = Type.Static<typeof RolloutList>
