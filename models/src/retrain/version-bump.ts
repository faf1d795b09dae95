import { SemVer, compile } from '@edgefleet/protocol'
import { RetrainError } from '../errors.ts'

const semVer = compile(SemVer, 'version')

/** The next minor version: 1.0.0 → 1.1.0, 1.4.2 → 1.5.0, 2.0.0-rc.1 → 2.1.0. */
export function nextMinorVersion(version: string): string {
  const [major, minor] = core(version)
  return `${major}.${minor + 1}.0`
}

/**
 * The candidate's version: `requested` when given (it must be a valid version above the parent's,
 * since the registry only accepts increasing versions), else {@link nextMinorVersion}.
 */
export function candidateVersion(parent: string, requested?: string): string {
  if (requested === undefined) return nextMinorVersion(parent)
  if (!semVer.check(requested)) throw new RetrainError('RETRAIN_OPTIONS_INVALID', `version ${JSON.stringify(requested)} is not MAJOR.MINOR.PATCH[-tag]`)
  if (compareVersions(requested, parent) <= 0) {
    throw new RetrainError('RETRAIN_OPTIONS_INVALID', `version ${requested} is not above the parent's ${parent}: the registry only accepts increasing versions; omit it to get ${nextMinorVersion(parent)}`)
  }
  return requested
}

/** Semver 2.0.0 precedence (§11) of two valid versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const [ca, cb] = [core(a), core(b)]
  for (let i = 0; i < 3; i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!
  const [pa, pb] = [preRelease(a), preRelease(b)]
  if (pa.length === 0 || pb.length === 0) return pb.length - pa.length
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i]!, pb[i]!]
    if (x === y) continue
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)]
    if (nx && ny) return Number(x) - Number(y)
    if (nx !== ny) return nx ? -1 : 1
    return x < y ? -1 : 1
  }
  return pa.length - pb.length
}

function core(version: string): [number, number, number] {
  const [major, minor, patch] = version.split('-')[0]!.split('.').map(Number)
  return [major!, minor!, patch!]
}

function preRelease(version: string): string[] {
  const dash = version.indexOf('-')
  return dash < 0 ? [] : version.slice(dash + 1).split('.')
}
