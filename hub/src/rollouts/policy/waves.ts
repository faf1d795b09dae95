import { createHash } from 'node:crypto'
import { usageError } from './errors.ts'

/**
 * Wave selection. Every device of a rollout has a bucket in [0, BUCKETS), a stable hash of the rollout id and
 * the device id; wave `i` holds the devices whose bucket is below `waves[i] × 100` (waves are cumulative
 * percentages) and not below the previous wave's. So a device's wave depends on nothing but the two ids: a
 * device that joins late or comes back after being offline lands in the same wave it would have been in.
 * Salting with the rollout id means that different rollouts pick different canaries.
 *
 * Small fleets: with 20 devices and waves 1,10,50,100 the 1 % wave expects 0.2 devices and is usually empty.
 * Rule (`minPerWave`, default 1): when a wave would hold fewer than `minPerWave` devices, the online devices
 * of later waves with the lowest buckets are promoted into it until it holds `minPerWave` (or none are left).
 * Promotion only ever moves a device to an earlier wave, and it takes the devices that would have come next
 * anyway. A wave that still holds no device (everything is already assigned, or `minPerWave` is 0) is
 * skipped by the rollout machine.
 */

/** Buckets per rollout: one bucket is 0.01 % of the fleet. */
export const BUCKETS = 10_000
/** Most waves a rollout may have. */
export const MAX_WAVES = 20

const WAVE = /^(\d{1,3}(?:\.\d{1,2})?)%?$/

/**
 * `'1,10,50,100'` → `[1, 10, 50, 100]`: cumulative percentages of the target, strictly increasing, the last
 * 100, at most MAX_WAVES, each a multiple of 0.01 (a `%` after each is allowed). Throws `HUB_USAGE` naming
 * every problem.
 */
export function parseWaves(spec: string): number[] {
  const parts = spec.split(',').map((p) => p.trim())
  const bad = parts.filter((p) => !WAVE.test(p))
  if (bad.length > 0) {
    throw usageError(`--waves ${JSON.stringify(spec)}`, [
      `${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is not a percentage' : 'are not percentages'}: write cumulative percentages separated by commas, e.g. 1,10,50,100`,
    ])
  }
  return validateWaves(parts.map((p) => Number(p.replace('%', ''))), `--waves ${JSON.stringify(spec)}`)
}

/** Checks waves given as data (a REST body, a stored rollout); returns them, or throws `HUB_USAGE` naming every problem. */
export function validateWaves(waves: readonly number[], what = 'waves'): number[] {
  const problems: string[] = []
  if (waves.length === 0) problems.push('no wave: write cumulative percentages, e.g. 1,10,50,100 (or just 100 for one wave)')
  if (waves.length > MAX_WAVES) problems.push(`${waves.length} waves is more than ${MAX_WAVES}: merge some`)
  const out = waves.filter((w) => !Number.isFinite(w) || w <= 0 || w > 100 || Math.abs(w * 100 - Math.round(w * 100)) > 1e-9)
  if (out.length > 0) problems.push(`${out.join(', ')}: each wave is a percentage above 0 and at most 100, in steps of 0.01`)
  const unordered = waves.findIndex((w, i) => i > 0 && w <= waves[i - 1]!)
  if (unordered > 0) {
    problems.push(`${waves[unordered]} after ${waves[unordered - 1]}: waves are cumulative (the share of the target updated by the end of each wave), so each must be larger than the one before`)
  }
  if (waves.length > 0 && waves.at(-1) !== 100) problems.push(`the last wave is ${waves.at(-1)}: it must be 100, so that the rollout reaches every targeted device`)
  if (problems.length > 0) throw usageError(what, problems)
  return [...waves]
}

/** The bucket in [0, BUCKETS) of a device in a rollout: the first 48 bits of sha256(rolloutId NUL deviceId) mod BUCKETS. */
export function deviceBucket(rolloutId: string, deviceId: string): number {
  // 2^48 is so much larger than BUCKETS that the modulo bias (< 4e-11) does not matter
  return createHash('sha256').update(`${rolloutId}\0${deviceId}`).digest().readUIntBE(0, 6) % BUCKETS
}

/** Index of the first wave whose percentage × 100 exceeds `bucket`: the wave a device belongs to by its bucket. */
export function waveOf(bucket: number, waves: readonly number[]): number {
  const i = waves.findIndex((w) => Math.round(w * 100) > bucket)
  return i < 0 ? waves.length - 1 : i
}

/** A device that could join a wave. */
export interface WaveCandidate {
  id: string
  /** only online devices are promoted: promoting an offline one would leave the wave waiting for nobody */
  online: boolean
}

/** The devices a wave takes. */
export interface WaveSelection {
  /** ids of every new member, by bucket (lowest first) */
  members: string[]
  /** the members that were promoted from a later wave (a subset of `members`) */
  promoted: string[]
}

/**
 * The new members of wave `wave` among `candidates` (targeted devices not assigned yet): those whose bucket
 * falls in this wave or an earlier one, then, while the wave holds fewer than `minPerWave` devices
 * (`alreadyInWave` counts those it already has), the online candidates of later waves with the lowest buckets.
 */
export function selectWaveMembers(
  rolloutId: string,
  waves: readonly number[],
  wave: number,
  candidates: readonly WaveCandidate[],
  options: { alreadyInWave?: number; minPerWave?: number } = {},
): WaveSelection {
  const ranked = candidates
    .map((c) => ({ ...c, bucket: deviceBucket(rolloutId, c.id) }))
    .sort((a, b) => a.bucket - b.bucket || (a.id < b.id ? -1 : 1))
  const members = ranked.filter((c) => waveOf(c.bucket, waves) <= wave).map((c) => c.id)
  const missing = (options.minPerWave ?? 1) - (options.alreadyInWave ?? 0) - members.length
  const promoted = missing > 0 ? ranked.filter((c) => c.online && waveOf(c.bucket, waves) > wave).slice(0, missing).map((c) => c.id) : []
  const chosen = new Set([...members, ...promoted])
  return { members: ranked.filter((c) => chosen.has(c.id)).map((c) => c.id), promoted }
}

/** One wave of a plan. */
export interface WavePlan {
  /** 0-based */
  index: number
  /** cumulative percentage */
  percent: number
  /** new devices the percentages call for: round(n × percent / 100) minus the previous wave's */
  expected: number
  /** new members, by bucket */
  members: string[]
  /** members promoted from later waves (small fleets) */
  promoted: string[]
}

/**
 * For a list of devices, the members of each wave and the expected counts, as the rollout machine would
 * choose them if all devices were there from the start. For previews (`rollout create --dry-run`) and tests.
 */
export function planWaves(rolloutId: string, waves: readonly number[], devices: readonly WaveCandidate[], minPerWave = 1): WavePlan[] {
  let left = [...devices]
  return waves.map((percent, index) => {
    const { members, promoted } = selectWaveMembers(rolloutId, waves, index, left, { minPerWave })
    const taken = new Set(members)
    left = left.filter((d) => !taken.has(d.id))
    const expected = Math.round((devices.length * percent) / 100) - Math.round((devices.length * (waves[index - 1] ?? 0)) / 100)
    return { index, percent, expected, members, promoted }
  })
}
