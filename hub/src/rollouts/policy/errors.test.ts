import { describe, expect, it } from 'vitest'
import { HubError } from '../../errors.ts'
import { collectProblem, problemList, RolloutPolicyError, usageError } from './errors.ts'

describe('RolloutPolicyError', () => {
  it('carries a stable code, its HTTP status, and each problem', () => {
    const err = usageError('--waves "1"', ['the last wave is 1', 'something else'])
    expect(err).toBeInstanceOf(Error)
    expect(err).toBeInstanceOf(HubError)
    expect(err).toMatchObject({ code: 'HUB_USAGE', statusCode: 400 })
    expect(err.message).toBe('--waves "1":\n- --waves "1": the last wave is 1\n- --waves "1": something else')
    expect(err.problems).toEqual(['--waves "1": the last wave is 1', '--waves "1": something else'])
    expect(usageError('--soak', ['too long']).message).toBe('--soak: too long')
    expect(new RolloutPolicyError('HUB_ROLLOUT_STATE', 'x').statusCode).toBe(409)
  })

  it('collects the problems of several checks into one error', () => {
    const problems: string[] = []
    expect(collectProblem(problems, () => 1)).toBe(1)
    expect(collectProblem(problems, () => { throw usageError('a', ['one']) })).toBeUndefined()
    expect(collectProblem(problems, () => { throw usageError('b', ['two', 'three']) })).toBeUndefined()
    expect(problemList('create', problems).message).toBe('create:\n- a: one\n- b: two\n- b: three')
    expect(() => collectProblem(problems, () => { throw new TypeError('bug') })).toThrow(TypeError)
  })
})
