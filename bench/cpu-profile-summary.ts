import { readFileSync } from 'node:fs'
import { REPO_ROOT } from '@edgefleet/models'

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  /** µs, monotonic clock */
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Self time of one group (package, source file or V8 bucket) or one function, share of busy time. */
export interface ProfileLine {
  name: string
  ms: number
  share: number
}

export interface ProfileSummary {
  busyMs: number
  groups: ProfileLine[]
  functions: ProfileLine[]
  /** false when the window did not overlap the profile and every sample was used */
  windowed: boolean
}

/**
 * Self time by package / source file and by function, from samples taken inside `window` (µs on the
 * monotonic clock, as `process.hrtime` gives it; V8 stamps profiles with the same clock on Linux).
 * Idle samples are left out, so shares are of the time the process was busy.
 */
export function summariseCpuProfile(path: string, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const pick = (inWindow: boolean): { groups: Map<string, number>; functions: Map<string, number>; busy: number } => {
    const groups = new Map<string, number>()
    const functions = new Map<string, number>()
    let busy = 0
    let t = profile.startTime
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0
      t += dt
      if (inWindow && window && (t < window.fromUs || t > window.toUs)) return
      const f = frames.get(id)!
      if (f.functionName === '(idle)') return
      const group = groupOf(f.url, f.functionName)
      const fn = `${f.functionName || '(anonymous)'}  ${group}${f.url ? `:${f.lineNumber + 1}` : ''}`
      groups.set(group, (groups.get(group) ?? 0) + dt)
      functions.set(fn, (functions.get(fn) ?? 0) + dt)
      busy += dt
    })
    return { groups, functions, busy }
  }
  let picked = pick(true)
  const windowed = window !== undefined && picked.busy > 0
  if (!windowed) picked = pick(false)
  const lines = (m: Map<string, number>): ProfileLine[] =>
    [...m].map(([name, us]) => ({ name, ms: us / 1000, share: us / picked.busy })).sort((a, b) => b.ms - a.ms)
  return { busyMs: picked.busy / 1000, groups: lines(picked.groups), functions: lines(picked.functions), windowed }
}

/** A package name, a file of this repository, a node: module, or V8's own buckets (GC, program). */
function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const pkg = url.match(/node_modules\/(?!\.pnpm)((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/)?.[1]
  if (pkg) return pkg
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`
  const root = `file://${REPO_ROOT}/`
  return url.startsWith(root) ? url.slice(root.length) : url
}
