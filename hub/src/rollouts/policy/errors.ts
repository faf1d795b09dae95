import { HubError } from '../../errors.ts'

/** The codes the rollout policy raises: a spec or CLI string it cannot use, or a transition the rollout's state forbids. */
export type RolloutPolicyErrorCode = 'HUB_USAGE' | 'HUB_ROLLOUT_STATE'

/** A HubError from the rollout policy, with each problem on its own (a `HUB_USAGE` error may list several). */
export class RolloutPolicyError extends HubError {
  constructor(
    code: RolloutPolicyErrorCode,
    message: string,
    /** each problem on its own, self-explanatory */
    readonly problems: readonly string[] = [message],
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
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
