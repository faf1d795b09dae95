/** The limits the hub enforces on what clients send it, each named as `/metrics` counts its refusals. */
export type LimitName = 'payload-size' | 'publish-rate' | 'connections' | 'upload-size'

/** A limit's verdict: allowed, or refused with a reason that says what to change. */
export type LimitDecision = { allow: true } | { allow: false; limit: LimitName; reason: string }

/** A payload is refused when larger than `maxBytes` ([MQTT-3.3.3]: MQTT 3.1.1 itself allows 256 MiB). */
export function checkPayloadSize(bytes: number, maxBytes: number): LimitDecision {
  if (bytes <= maxBytes) return { allow: true }
  return { allow: false, limit: 'payload-size', reason: `payload of ${bytes} bytes is over the hub's limit of ${maxBytes} bytes (maxPayloadBytes)` }
}

/** A CONNECT is refused when `open` connections are already held and `max` is reached. */
export function checkConnections(open: number, max: number): LimitDecision {
  if (open < max) return { allow: true }
  return { allow: false, limit: 'connections', reason: `the broker holds ${open} connections, its limit (maxConnections)` }
}

/**
 * A token bucket: holds up to `burst` tokens and earns `ratePerS` per second. Taking a token when
 * none is left puts the bucket in debt (the caller waits for it to be earned), up to `maxDebt`
 * tokens; beyond that the take is refused. Time is given, never read: the bucket is pure arithmetic.
 */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor(readonly ratePerS: number, readonly burst: number, now: number) {
    this.tokens = burst
    this.at = now
  }

  /** Takes one token: resolves to the wait in ms until it is earned (0 = at once), or null when that would exceed `maxDebt`. */
  take(now: number, maxDebt: number): number | null {
    this.refill(now)
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    if (this.tokens - 1 < -maxDebt) return null
    this.tokens -= 1
    return Math.ceil((-this.tokens * 1000) / this.ratePerS)
  }

  /** True when the bucket is full again at `now` (it can be forgotten: a new one is the same). */
  full(now: number): boolean {
    this.refill(now)
    return this.tokens >= this.burst
  }

  private refill(now: number): void {
    // a clock that steps back earns nothing, and takes nothing away
    const elapsed = Math.max(0, now - this.at)
    this.at = Math.max(this.at, now)
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerS) / 1000)
  }
}

/** Settings of {@link PublishRateLimiter}. */
export interface PublishRateOptions {
  /** messages per second per device, sustained */
  ratePerS: number
  /** messages a device may send at once above the rate */
  burst: number
  /**
   * messages over the rate that may wait for their PUBACK at once: an agent keeps at most 64 unacknowledged
   * (HubLink's maxInflight), so an agent is only ever slowed; a client that sends regardless is refused
   */
  maxPaced: number
}

/** The verdict on one publish: go now, go after `waitMs`, or refuse. */
export type PublishDecision = { allow: true; waitMs: number } | { allow: false; limit: 'publish-rate'; reason: string }

/**
 * Per-device publish rates: one token bucket per device, kept across reconnects (a reconnect does not
 * refill it), forgotten once full. Over the burst a publish waits for its token, which holds back the
 * device's PUBACK and so paces a QoS 1 sender to the rate without losing anything; more than
 * `maxPaced` waiting at once is refused.
 */
export class PublishRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(private readonly o: PublishRateOptions) {}

  check(deviceId: string, now: number): PublishDecision {
    let bucket = this.buckets.get(deviceId)
    if (!bucket) this.buckets.set(deviceId, (bucket = new TokenBucket(this.o.ratePerS, this.o.burst, now)))
    const waitMs = bucket.take(now, this.o.maxPaced)
    if (waitMs !== null) return { allow: true, waitMs }
    return { allow: false, limit: 'publish-rate', reason: `device ${deviceId} publishes faster than ${this.o.ratePerS} messages/s with ${this.o.maxPaced} already held back (devicePublishRate, devicePublishBurst, devicePublishMaxHeld)` }
  }

  /** Drops the device's bucket when it is full (call when the device goes away): a fresh one is the same. */
  release(deviceId: string, now: number): void {
    if (this.buckets.get(deviceId)?.full(now)) this.buckets.delete(deviceId)
  }

  /** Devices with a bucket now (for tests and introspection). */
  get size(): number {
    return this.buckets.size
  }
}
