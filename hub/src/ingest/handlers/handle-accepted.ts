import type { UplinkChannel } from '@edgefleet/protocol'
import type { Handler } from './handler.ts'

/**
 * `drift`, `samples`, `labels`: validated and counted here; their stores arrive with the Drift and
 * Retraining issues. Acknowledged so agents do not resend them forever.
 */
export const handleAccepted: Handler<Exclude<UplinkChannel, 'status' | 'pred' | 'events'>> = async () => ({})
