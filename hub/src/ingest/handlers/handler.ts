import type { ChannelPayloads, DriftSummary, Status, UplinkChannel } from '@edgefleet/protocol'
import type { DeploymentRecord } from '../../registry/deployment-store.ts'
import type { RegistryStore } from '../../registry/registry-store.ts'
import type { DatasetStore } from '../../retraining/datasets/dataset-store.ts'
import type { TelemetryStore } from '../../telemetry/telemetry-store.ts'

/** What a message handler may touch. */
export interface IngestContext {
  registry: RegistryStore
  telemetry: TelemetryStore
  /** the drift engine, which judges device windows (absent: drift windows are only validated and counted) */
  drift?: { ingest(summary: DriftSummary): Promise<unknown> }
  /** called when a device's reported state changes (presence, model) */
  onDeviceChange?: (deviceId: string) => void
  /** sees every valid status message (device health for rollout gates) */
  onStatus?: (status: Status) => void
  /** sees every activation step a device reports, as stored */
  onDeploy?: (deployment: DeploymentRecord) => void
  /** training data: samples and labels (absent: they are only validated and counted) */
  datasets?: Pick<DatasetStore, 'putSamples' | 'putLabels'>
  /**
   * told when `count` samples of `model` became labelled, as stored: by a `labels` message (each label
   * under the model of its stored sample) or by `samples` that labels were waiting for. A label whose sample
   * has not arrived is announced when the sample does, so nothing is missed or counted twice.
   */
  onLabels?: (model: string, count: number) => void
}

/** One handler per uplink message type; `fresh` is false for a redelivered seq (store idempotently anyway). */
export type Handler<C extends UplinkChannel> = (ctx: IngestContext, message: ChannelPayloads[C], fresh: boolean) => Promise<{ predictions?: number }>
