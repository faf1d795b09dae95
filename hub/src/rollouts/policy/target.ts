import { isDeviceId } from '@edgefleet/protocol'
import { usageError } from './errors.ts'

/**
 * Which devices a rollout is for, as plain data:
 * - `all`: every device;
 * - `tags`: devices that carry every one of these tags with exactly these values (AND);
 * - `ids`: these devices, by id.
 */
export type RolloutTarget =
  | { kind: 'all' }
  | { kind: 'tags'; tags: Record<string, string> }
  | { kind: 'ids'; ids: string[] }

/** What target matching needs to know of a device. */
export interface TargetDevice {
  id: string
  tags: Readonly<Record<string, string>>
}

/** Tag keys: the same rule as `edgefleet device add --tag`. */
const TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const MAX_TAG_VALUE = 256
/** Longest explicit id list; larger sets are better expressed by a tag. */
export const MAX_TARGET_IDS = 10_000

const FORMS = 'write all, tag:key=value[,key=value…] (every tag must match) or id[,id…]'

/**
 * Parses the CLI form of `--target`:
 * - `all`
 * - `tag:site=berlin` or `tag:site=berlin,tier=gold` (also `tag:site=berlin,tag:tier=gold`): every tag must match;
 *   tag values cannot contain `,` in this form
 * - `dev-1,dev-2` or `id:dev-1,dev-2` (the `id:` prefix is needed only for a device named `all`)
 *
 * Throws a `RolloutPolicyError` (`HUB_USAGE`) naming every problem and the forms to write instead.
 */
export function parseTarget(spec: string): RolloutTarget {
  const s = spec.trim()
  if (s === '') throw usageError('--target is empty', [FORMS])
  if (s === 'all') return { kind: 'all' }
  if (s.startsWith('tag:')) return { kind: 'tags', tags: parseTags(s.slice(4), spec) }
  if (s.startsWith('id:')) return { kind: 'ids', ids: parseIds(s.slice(3), spec) }
  const prefix = /^([A-Za-z-]+):/.exec(s)
  if (prefix) throw usageError(`--target ${JSON.stringify(spec)}`, [`unknown form ${JSON.stringify(`${prefix[1]}:`)}: ${FORMS}`])
  if (s.includes('=')) throw usageError(`--target ${JSON.stringify(spec)}`, [`to select by tag write tag:${s}`])
  return { kind: 'ids', ids: parseIds(s, spec) }
}

function parseTags(list: string, spec: string): Record<string, string> {
  const tags: Record<string, string> = {}
  const problems: string[] = []
  for (const raw of list.split(',')) {
    const entry = raw.trim().replace(/^tag:/, '')
    const eq = entry.indexOf('=')
    const key = eq < 0 ? entry : entry.slice(0, eq)
    const value = eq < 0 ? '' : entry.slice(eq + 1)
    if (!TAG_KEY.test(key) || value.length === 0 || value.length > MAX_TAG_VALUE) {
      problems.push(`${JSON.stringify(raw)}: write key=value, the key of letters, digits, '_', '.', '-', the value 1–${MAX_TAG_VALUE} characters without ','`)
    } else if (Object.hasOwn(tags, key) && tags[key] !== value) {
      problems.push(`tag ${key} is given twice (${tags[key]}, ${value}): a device has one value per tag, so no device would match; run one rollout per value, or list the devices by id`)
    } else {
      tags[key] = value
    }
  }
  if (problems.length > 0) throw usageError(`--target ${JSON.stringify(spec)}`, problems)
  return tags
}

function parseIds(list: string, spec: string): string[] {
  const entries = list.split(',').map((e) => e.trim())
  const problems: string[] = []
  if (entries.some((e) => e === '')) problems.push(`an id is empty: write the ids separated by single commas, e.g. dev-1,dev-2`)
  const bad = entries.filter((e) => e !== '' && !isDeviceId(e))
  if (bad.length > 0) {
    problems.push(`not a device id: ${bad.slice(0, 5).map((b) => JSON.stringify(b)).join(', ')}${bad.length > 5 ? ` and ${bad.length - 5} more` : ''} (ids are 1–64 letters, digits, '_', '.', '-', starting with a letter or digit); ${FORMS}`)
  }
  const ids = [...new Set(entries.filter((e) => isDeviceId(e)))]
  if (ids.length > MAX_TARGET_IDS) problems.push(`${ids.length} ids is more than ${MAX_TARGET_IDS}: tag the devices and write tag:key=value`)
  if (problems.length > 0) throw usageError(`--target ${JSON.stringify(spec)}`, problems)
  return ids
}

/** The CLI form of a target; `parseTarget(formatTarget(t))` gives `t` back. */
export function formatTarget(target: RolloutTarget): string {
  switch (target.kind) {
    case 'all':
      return 'all'
    case 'tags':
      return `tag:${Object.entries(target.tags).map(([k, v]) => `${k}=${v}`).join(',')}`
    case 'ids':
      return target.ids.length === 1 && target.ids[0] === 'all' ? 'id:all' : target.ids.join(',')
  }
}

/** Whether a rollout with this target is for this device. */
export function matchesTarget(target: RolloutTarget, device: TargetDevice): boolean {
  switch (target.kind) {
    case 'all':
      return true
    case 'tags':
      return Object.entries(target.tags).every(([k, v]) => Object.hasOwn(device.tags, k) && device.tags[k] === v)
    case 'ids':
      return idSet(target.ids).has(device.id)
  }
}

// a fleet-sized step matches every device against the same list: look ids up in a set built once per list
const idSets = new WeakMap<readonly string[], ReadonlySet<string>>()
function idSet(ids: readonly string[]): ReadonlySet<string> {
  let set = idSets.get(ids)
  if (set === undefined) idSets.set(ids, (set = new Set(ids)))
  return set
}
