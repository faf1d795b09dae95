import type { ChannelPayloads, DriftSummary, Status, UplinkChannel } from '@edgefleet/protocol'
import type { DeploymentRecord } from '../../registry/deployment-store.ts'
import type { RegistryStore } from '../../registry/registry-store.ts'
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
}

/** One handler per uplink message type; `fresh` is false for a redelivered seq (store idempotently anyway). */
export type Handler<C extends UplinkChannel> = (ctx: IngestContext, message: ChannelPayloads[C], fresh: boolean) => Promise<{ predictions?: number }>
