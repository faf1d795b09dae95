import type { DeviceDeployment } from '@edgefleet/protocol'
import type { LiveMessage } from '../live/live-events.ts'

/** A device's deployment with each `deploy` event about it put in place of the step its role last reported. */
export function applyDeployEvents(d: DeviceDeployment, messages: readonly LiveMessage[]): DeviceDeployment {
  let deployments = d.deployments
  for (const m of messages) {
    if (m.type !== 'deploy' || m.body.deviceId !== d.deviceId) continue
    const next = m.body.deployment
    deployments = [...deployments.filter((x) => x.role !== next.role), next].sort((a, b) => (a.role === 'active' ? -1 : 0) - (b.role === 'active' ? -1 : 0))
  }
  return deployments === d.deployments ? d : { ...d, deployments }
}

/** `gas-sensor@1.1.0`, or `none` for no target. */
export function targetText(t: { name: string; version: string } | null | undefined): string {
  return t ? `${t.name}@${t.version}` : 'none'
}
