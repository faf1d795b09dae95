import Type from 'typebox'
import { DeviceId, Timestamp } from './common.ts'
import { AlertView, DeviceView } from './rest.ts'
import { ModelVersionSummary } from './rest-models.ts'
import { DeploymentView, RolloutView } from './rest-rollouts.ts'
import { JobView } from './rest-retraining.ts'

/**
 * `GET /api/v1/live`: server-sent events (`text/event-stream`) for the dashboard and any other operator
 * client. Each SSE message's `event:` is one of `LIVE_EVENT_TYPES` and its `data:` the JSON body below.
 * A client loads the current state over REST after the stream's `ready`, then applies these changes.
 * A comment line (`: ping`) every 15 s keeps idle connections and proxies open.
 */
export const LIVE_EVENT_TYPES = ['ready', 'device', 'alert', 'rollout', 'deploy', 'model', 'job'] as const
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number]

/** sent once, first: the stream is subscribed; state loaded over REST from now on misses nothing */
export const LiveReady = Type.Object({ at: Timestamp, hubVersion: Type.String() }, { additionalProperties: false })
/** a device connected, disconnected or sent a status (at most one per device per second) */
export const LiveDevice = Type.Object({ device: DeviceView }, { additionalProperties: false })
/** an alert was raised, cleared or acknowledged */
export const LiveAlert = Type.Object({ alert: AlertView }, { additionalProperties: false })
/** a rollout was created or changed state, wave or progress (at most one per rollout per second) */
export const LiveRollout = Type.Object({ rollout: RolloutView }, { additionalProperties: false })
/** a device reported an activation step */
export const LiveDeploy = Type.Object({ deviceId: DeviceId, deployment: DeploymentView }, { additionalProperties: false })
/** a retraining job was queued, progressed (at most once per job per second) or finished */
export const LiveJob = Type.Object({ job: JobView }, { additionalProperties: false })
/** a model version was registered */
export const LiveModel = Type.Object({ version: ModelVersionSummary }, { additionalProperties: false })

export type LiveReady = Type.Static<typeof LiveReady>
export type LiveDevice = Type.Static<typeof LiveDevice>
export type LiveAlert = Type.Static<typeof LiveAlert>
export type LiveRollout = Type.Static<typeof LiveRollout>
export type LiveDeploy = Type.Static<typeof LiveDeploy>
export type LiveModel = Type.Static<typeof LiveModel>
export type LiveJob = Type.Static<typeof LiveJob>

/** The body of each live event type. */
export interface LiveEventBodies {
  ready: LiveReady
  device: LiveDevice
  alert: LiveAlert
  rollout: LiveRollout
  deploy: LiveDeploy
  model: LiveModel
  job: LiveJob
}
