import { expect } from 'vitest'
import { RolloutPolicyError } from '../rollouts/policy/errors.ts'

/** The message of the HUB_USAGE RolloutPolicyError that `f` throws (fails the test when it throws none). */
export function usageMessage(f: () => unknown): string {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(RolloutPolicyError)
    expect((err as RolloutPolicyError).code).toBe('HUB_USAGE')
    return (err as Error).message
  }
  throw new Error('did not throw')
}
