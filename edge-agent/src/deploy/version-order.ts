/**
 * Orders two versions that match the protocol's `SemVer` (MAJOR.MINOR.PATCH with an optional
 * pre-release tag) by semver 2.0.0 precedence (§11): numbers numerically, a pre-release below its
 * release, pre-release identifiers one by one (numeric below alphanumeric, fewer below more).
 * Negative when `a` is older, 0 when equal, positive when newer.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitOnce(a)
  const [coreB = '', preB] = splitOnce(b)
  const na = coreA.split('.').map(Number)
  const nb = coreB.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1
  const ia = preA.split('.')
  const ib = preB.split('.')
  for (let i = 0; i < Math.min(ia.length, ib.length); i++) {
    const d = compareIdentifier(ia[i]!, ib[i]!)
    if (d !== 0) return d
  }
  return Math.sign(ia.length - ib.length)
}

function splitOnce(v: string): [string, string | undefined] {
  const dash = v.indexOf('-')
  return dash < 0 ? [v, undefined] : [v.slice(0, dash), v.slice(dash + 1)]
}

function compareIdentifier(x: string, y: string): number {
  const nx = /^[0-9]+$/.test(x)
  const ny = /^[0-9]+$/.test(y)
  if (nx && ny) return Math.sign(Number(x) - Number(y))
  if (nx !== ny) return nx ? -1 : 1
  return x < y ? -1 : x > y ? 1 : 0
}
