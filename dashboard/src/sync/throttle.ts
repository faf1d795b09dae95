export interface ThrottleClock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

const realClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

export interface Throttled {
  /** asks for a call: now when the last was long enough ago, else once at the end of the interval */
  request: () => void
  /** drops a pending call */
  cancel: () => void
}

/**
 * Calls `fn` at most once per `intervalMs`: the first request runs at once, requests within the interval
 * fold into one trailing call, so the last change is never missed.
 */
export function throttle(fn: () => void, intervalMs: number, clock: ThrottleClock = realClock): Throttled {
  let last = -Infinity
  let pending: unknown = null
  const run = () => {
    pending = null
    last = clock.now()
    fn()
  }
  return {
    request() {
      if (pending !== null) return
      const wait = last + intervalMs - clock.now()
      if (wait <= 0) run()
      else pending = clock.setTimeout(run, wait)
    },
    cancel() {
      if (pending !== null) clock.clearTimeout(pending)
      pending = null
    },
  }
}
