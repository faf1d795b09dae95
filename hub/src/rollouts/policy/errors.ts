/**
 * Codes of the rollout policy's errors; stable, never renamed. The HTTP status is for routes that surface
 * them (the hub's error handler reads `statusCode` and `code`).
 */
export const RolloutPolicyErrorCodes = {
  /** a CLI string or a spec the policy cannot use; the message says what to write instead */
  HUB_USAGE: 400,
  /** a transition the rollout's state does not allow, e.g. resuming a completed rollout */
  HUB_ROLLOUT_STATE_CONFLICT: 409,
} as const

export type RolloutPolicyErrorCode = keyof typeof RolloutPolicyErrorCodes

/** Every error the rollout policy raises: a stable code, an HTTP status, and a message that says what to do next. */
export class RolloutPolicyError extends Error {
  override readonly name = 'RolloutPolicyError'
  readonly statusCode: number
  constructor(
    readonly code: RolloutPolicyErrorCode,
    message: string,
    /** each problem on its own, self-explanatory (a `HUB_USAGE` error may list several) */
    readonly problems: readonly string[] = [message],
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.statusCode = RolloutPolicyErrorCodes[code]
  }
}

/** A usage error about one thing (`--waves "1,2"`) with one or more problems, each reported as `what: problem`. */
export function usageError(what: string, problems: readonly string[]): RolloutPolicyError {
  return problemList(what, problems.map((p) => `${what}: ${p}`))
}

/** A usage error listing problems that each say what they are about, under a title. */
export function problemList(title: string, problems: readonly string[]): RolloutPolicyError {
  const only = problems.length === 1 ? problems[0]! : undefined
  const message = only === undefined ? `${title}:\n- ${problems.join('\n- ')}` : only.startsWith(`${title}: `) ? only : `${title}: ${only}`
  return new RolloutPolicyError('HUB_USAGE', message, problems)
}

/** Runs `f`; on a `RolloutPolicyError` adds its problems to `problems` and returns undefined, so that every problem is reported at once. */
export function collectProblem<T>(problems: string[], f: () => T): T | undefined {
  try {
    return f()
  } catch (err) {
    if (!(err instanceof RolloutPolicyError)) throw err
    problems.push(...err.problems)
    return undefined
  }
}
