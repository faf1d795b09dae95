import type { Principal } from '../auth/acl.ts'
import { checkConnections, checkPayloadSize, PublishRateLimiter, type LimitDecision, type LimitName } from '../limits/limit-policy.ts'

/** The embedded broker's limits (hub settings of the same names; README "Limits"). */
export interface BrokerLimits {
  maxPayloadBytes: number
  devicePublishRate: number
  devicePublishBurst: number
  /** publishes over the rate held back at once per device before one is refused */
  devicePublishMaxHeld: number
  maxConnections: number
}

/** Defaults of a broker built without settings (tests): the hub's defaults. */
export const DEFAULT_BROKER_LIMITS: BrokerLimits = { maxPayloadBytes: 256 * 1024, devicePublishRate: 200, devicePublishBurst: 1000, devicePublishMaxHeld: 256, maxConnections: 10_000 }

/** What the gate tells the hub about each refusal and each paced publish. */
export interface LimitObserver {
  /** a client was refused by `limit`; `deviceId` when it was a device */
  refused(limit: LimitName, reason: string, who: { clientId?: string | undefined; deviceId?: string | undefined }): void
  /** a device publish waits for its token */
  paced?(deviceId: string, waitMs: number): void
}

/**
 * Adapts the pure limit policy (limits/limit-policy.ts) to the broker's hooks: CONNECT (connection
 * count), PUBLISH (payload size for everyone, publish rate per device). Keeps the timers of paced
 * publishes, so that `close()` releases them.
 */
export class BrokerLimitGate {
  private readonly rates: PublishRateLimiter
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly limits: BrokerLimits, private readonly observer: LimitObserver, private readonly now: () => number = Date.now) {
    this.rates = new PublishRateLimiter({ ratePerS: limits.devicePublishRate, burst: limits.devicePublishBurst, maxPaced: limits.devicePublishMaxHeld })
  }

  /** A CONNECT while `open` connections are held (or being authenticated). */
  admitConnect(open: number, clientId: string | undefined): LimitDecision {
    return this.report(checkConnections(open, this.limits.maxConnections), { clientId })
  }

  /**
   * A PUBLISH from `principal`: refused (the decision says why), or passed to `proceed` at once or,
   * for a device over its burst, once its token is earned.
   */
  admitPublish(principal: Principal, clientId: string | undefined, payloadBytes: number, proceed: () => void): LimitDecision {
    const deviceId = principal.kind === 'device' ? principal.id : undefined
    const size = this.report(checkPayloadSize(payloadBytes, this.limits.maxPayloadBytes), { clientId, deviceId })
    if (!size.allow) return size
    if (deviceId === undefined) {
      proceed()
      return size
    }
    const rate = this.rates.check(deviceId, this.now())
    if (!rate.allow) return this.report(rate, { clientId, deviceId })
    if (rate.waitMs === 0) {
      proceed()
    } else {
      this.observer.paced?.(deviceId, rate.waitMs)
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        proceed()
      }, rate.waitMs)
      this.timers.add(timer)
    }
    return { allow: true }
  }

  /** The device went away: its bucket is forgotten once full (a reconnect does not refill it). */
  released(deviceId: string): void {
    this.rates.release(deviceId, this.now())
  }

  /** Drops publishes still waiting for their token: their devices resend them (no PUBACK went out). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private report(decision: LimitDecision, who: { clientId?: string | undefined; deviceId?: string | undefined }): LimitDecision {
    if (!decision.allow) this.observer.refused(decision.limit, decision.reason, who)
    return decision
  }
}
