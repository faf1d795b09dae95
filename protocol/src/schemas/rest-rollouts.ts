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

export type DesiredAssignmentBody = Type.Static<typeof DesiredAssignmentBody>
export type DeviceDeployment = Type.Static<typeof DeviceDeployment>
