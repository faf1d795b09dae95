import { describe, expect, it } from 'vitest'
import { usageMessage } from '../../test-support/policy-usage.ts'
import { BUCKETS, deviceBucket, parseWaves, planWaves, selectWaveMembers, validateWaves, waveOf } from './waves.ts'

const ids = (n: number, prefix = 'dev') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)
const online = (list: string[]) => list.map((id) => ({ id, online: true }))

const usage = usageMessage

describe('parseWaves', () => {
  it('reads cumulative percentages', () => {
    expect(parseWaves('1,10,50,100')).toEqual([1, 10, 50, 100])
    expect(parseWaves(' 0.5%, 5% ,100%')).toEqual([0.5, 5, 100])
    expect(parseWaves('100')).toEqual([100])
  })

  it('says what is wrong', () => {
    expect(usage(() => parseWaves('1,ten,100'))).toMatch(/"ten" is not a percentage: write cumulative percentages/)
    expect(usage(() => parseWaves('1,10,50'))).toMatch(/the last wave is 50: it must be 100/)
    expect(usage(() => parseWaves('10,5,100'))).toMatch(/5 after 10: waves are cumulative/)
    expect(usage(() => parseWaves('10,10,100'))).toMatch(/10 after 10/)
    expect(usage(() => parseWaves('0,100'))).toMatch(/above 0 and at most 100/)
    expect(usage(() => parseWaves('1,200'))).toMatch(/above 0 and at most 100/)
    expect(usage(() => parseWaves('0.125,100'))).toMatch(/not a percentage/)
    expect(usage(() => parseWaves(''))).toMatch(/not a percentage/)
  })

  it('reports every problem at once', () => {
    const message = usage(() => parseWaves('50,10,90'))
    expect(message).toMatch(/10 after 50/)
    expect(message).toMatch(/the last wave is 90/)
  })

  it('allows at most 20 waves', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 5)
    expect(parseWaves(twenty.join(','))).toEqual(twenty)
    const many = Array.from({ length: 21 }, (_, i) => i + 80)
    expect(usage(() => parseWaves(many.join(',')))).toMatch(/21 waves is more than 20/)
  })

  it('validates waves given as data', () => {
    expect(validateWaves([1, 100])).toEqual([1, 100])
    expect(usage(() => validateWaves([]))).toMatch(/no wave/)
    expect(usage(() => validateWaves([Number.NaN, 100]))).toMatch(/above 0/)
    expect(usage(() => validateWaves([0.001, 100]))).toMatch(/steps of 0.01/)
  })
})

describe('deviceBucket', () => {
  it('is stable: the same ids give the same bucket on every call', () => {
    const first = ids(100).map((id) => deviceBucket('r1', id))
    const again = ids(100).map((id) => deviceBucket('r1', id))
    expect(again).toEqual(first)
    for (const b of first) {
      expect(Number.isInteger(b)).toBe(true)
      expect(b).toBeGreaterThanOrEqual(0)
      expect(b).toBeLessThan(BUCKETS)
    }
  })

  it('depends on the rollout, so that rollouts pick different canaries', () => {
    const a = ids(200).map((id) => deviceBucket('rollout-a', id))
    const b = ids(200).map((id) => deviceBucket('rollout-b', id))
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(5)
  })

  it('does not confuse the two ids (separator)', () => {
    expect(deviceBucket('ab', 'c')).not.toBe(deviceBucket('a', 'bc'))
  })

  it('spreads 10 000 devices over the waves close to the percentages', () => {
    const waves = [1, 10, 50, 100]
    const counts = [0, 0, 0, 0]
    for (const id of ids(10_000)) counts[waveOf(deviceBucket('r-spread', id), waves)]! += 1
    const cumulative = counts.map((_, i) => counts.slice(0, i + 1).reduce((s, n) => s + n, 0))
    // binomial sd at 10 000: 1 % → 10, 10 % → 30, 50 % → 50; allow about 4 sd
    expect(Math.abs(cumulative[0]! - 100)).toBeLessThan(40)
    expect(Math.abs(cumulative[1]! - 1000)).toBeLessThan(120)
    expect(Math.abs(cumulative[2]! - 5000)).toBeLessThan(200)
    expect(cumulative[3]).toBe(10_000)
  })
})

describe('waveOf', () => {
  it('is the first wave whose percentage × 100 exceeds the bucket', () => {
    const waves = [1, 10, 50, 100]
    expect(waveOf(0, waves)).toBe(0)
    expect(waveOf(99, waves)).toBe(0)
    expect(waveOf(100, waves)).toBe(1)
    expect(waveOf(999, waves)).toBe(1)
    expect(waveOf(1000, waves)).toBe(2)
    expect(waveOf(4999, waves)).toBe(2)
    expect(waveOf(5000, waves)).toBe(3)
    expect(waveOf(9999, waves)).toBe(3)
  })

  it('handles fractional percentages without float error', () => {
    expect(waveOf(28, [0.29, 100])).toBe(0)
    expect(waveOf(29, [0.29, 100])).toBe(1)
  })
})

describe('selectWaveMembers and planWaves', () => {
  it('gives a device the same wave whether the other devices are there or not', () => {
    const waves = [1, 10, 50, 100]
    const fleet = ids(300)
    const alone = fleet.map((id) => planWaves('r2', waves, online([id]), 0).findIndex((w) => w.members.includes(id)))
    const together = planWaves('r2', waves, online(fleet), 0)
    const withLateJoiners = planWaves('r2', waves, online([...fleet, ...ids(300, 'late')]), 0)
    fleet.forEach((id, i) => {
      expect(together[alone[i]!]!.members).toContain(id)
      expect(withLateJoiners[alone[i]!]!.members).toContain(id)
    })
  })

  it('partitions the fleet: every device in exactly one wave', () => {
    const plan = planWaves('r3', [1, 10, 50, 100], online(ids(500)))
    const all = plan.flatMap((w) => w.members)
    expect(all).toHaveLength(500)
    expect(new Set(all).size).toBe(500)
    expect(plan.map((w) => w.expected)).toEqual([5, 45, 200, 250])
  })

  it('small fleets: an empty wave is topped up with the lowest-bucket online devices of later waves', () => {
    const fleet = ids(20)
    const waves = [1, 10, 50, 100]
    const byBucket = [...fleet].sort((a, b) => deviceBucket('small', a) - deviceBucket('small', b))
    const plan = planWaves('small', waves, online(fleet))
    expect(plan.map((w) => w.expected)).toEqual([0, 2, 8, 10])
    expect(plan[0]!.members).toEqual([byBucket[0]])
    for (const w of plan) expect(w.members.length).toBeGreaterThanOrEqual(1)
    expect(plan.flatMap((w) => w.members)).toHaveLength(20)
    // promotion only pulls the next devices forward: the waves stay in bucket order
    expect(plan.flatMap((w) => w.members)).toEqual(byBucket)
    // without the minimum the 1 % wave is (almost surely) empty
    expect(planWaves('small', waves, online(fleet), 0)[0]!.members).toEqual(byBucket.filter((id) => deviceBucket('small', id) < 100))
  })

  it('tops up to minPerWave, counting the devices a wave already has; members by bucket are always taken', () => {
    const fleet = online(ids(20))
    const waves = [1, 10, 50, 100]
    const byHash = ids(20).filter((id) => waveOf(deviceBucket('small', id), waves) === 0)
    const three = selectWaveMembers('small', waves, 0, fleet, { minPerWave: 3 })
    expect(three.members).toHaveLength(3)
    expect(three.promoted).toHaveLength(3 - byHash.length)
    const topUp = selectWaveMembers('small', waves, 0, fleet, { minPerWave: 3, alreadyInWave: 1 })
    expect(topUp.members).toHaveLength(Math.max(2, byHash.length))
    const full = selectWaveMembers('small', waves, 0, fleet, { minPerWave: 3, alreadyInWave: 3 })
    expect(full.members).toEqual(byHash)
    expect(full.promoted).toEqual([])
  })

  it('does not promote offline devices', () => {
    const fleet = ids(20).map((id) => ({ id, online: false }))
    const sel = selectWaveMembers('small', [1, 10, 50, 100], 0, fleet, { minPerWave: 1 })
    expect(sel.promoted).toEqual([])
  })

  it('takes every device left in the last wave', () => {
    const sel = selectWaveMembers('r', [1, 10, 50, 100], 3, online(ids(50)), { minPerWave: 1 })
    expect(sel.members).toHaveLength(50)
    expect(sel.promoted).toEqual([])
  })
})
