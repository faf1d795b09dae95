import { describe, expect, it } from 'vitest'
import { describeError, errorFromResponse, networkError } from './api-error.ts'

describe('hub errors', () => {
  it("keeps the hub's code and message and shows both", () => {
    const err = errorFromResponse(409, 'Conflict', { statusCode: 409, code: 'HUB_ROLLOUT_CONFLICT', error: 'Conflict', message: 'rollout r1 is rolling' })
    expect(err.code).toBe('HUB_ROLLOUT_CONFLICT')
    expect(describeError(err)).toBe('rollout r1 is rolling (HUB_ROLLOUT_CONFLICT)')
  })

  it('says what to do when a proxy answers instead of the hub', () => {
    expect(describeError(errorFromResponse(502, 'Bad Gateway', undefined))).toMatch(/502 Bad Gateway.*check that the hub .* is running/)
  })

  it('says the hub could not be reached on a network failure', () => {
    const err = networkError(new TypeError('fetch failed'))
    expect(err.status).toBe(0)
    expect(describeError(err)).toMatch(/Cannot reach the hub/)
  })
})
