import type { UplinkChannel } from '@edgefleet/protocol'
import type { Handler } from './handler.ts'

/**
 * `samples`, `labels`: validated and counted here; their store arrives with the Retraining issue.
 * Acknowledged so agents do not resend them forever.
 */
export const handleAccepted: Handler<Exclude<UplinkChannel, 'status' | 'pred' | 'events' | 'drift'>> = async () => ({})
