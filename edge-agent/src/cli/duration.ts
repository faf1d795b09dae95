import { AgentError } from '../errors.ts'

/** A duration flag's text: `0`, or a number with a unit (`500ms`, `30s`, `2m`, `1.5h`, `1d`). */
export const DURATION_PATTERN = '^(0|[0-9]+(\\.[0-9]+)?(ms|s|m|h|d))$'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION = new RegExp(DURATION_PATTERN)

/** Milliseconds of a duration written as {@link DURATION_PATTERN} allows; throws AGENT_USAGE otherwise. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = DURATION.exec(text.trim())
  if (!m) throw new AgentError('AGENT_USAGE', `${flag} ${JSON.stringify(text)} is not a duration: write 0, or a number with a unit (500ms, 30s, 2m, 1h, 1d)`)
  if (m[1] === '0') return 0
  return Math.round(Number(text.trim().slice(0, -m[3]!.length)) * UNIT_MS[m[3] as keyof typeof UNIT_MS])
}
