import { describe, expect, it } from 'vitest'
import { samplesOverLimit } from './sample-retention.ts'

describe('samplesOverLimit', () => {
  it('is nothing within the limit, or without one', () => {
    expect(samplesOverLimit(200_000, 200_000)).toBe(0)
    expect(samplesOverLimit(5_000_000, 0)).toBe(0)
  })

  it('deletes down to 99 % of the limit, so that a full store is pruned once per 1 % of new samples', () => {
    expect(samplesOverLimit(200_001, 200_000)).toBe(2001)
    // below 100 the slack is nothing: exactly the limit
    expect(samplesOverLimit(7, 4)).toBe(3)
  })
})
