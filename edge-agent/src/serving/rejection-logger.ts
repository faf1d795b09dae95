import type { Logger } from '../errors.ts'
import type { Rejection } from '../sources/source.ts'

/** How many rejections of each code are logged one by one before the rest are only counted. */
const LOGGED_REJECTIONS_PER_CODE = 10

/** Logs rejected readings: the first few of each code one by one, then only counts them (the summary has the totals). */
export function rejectionLogger(logger: Logger): (r: Rejection) => void {
  const logged = new Map<string, number>()
  return (r) => {
    const n = (logged.get(r.code) ?? 0) + 1
    logged.set(r.code, n)
    if (n <= LOGGED_REJECTIONS_PER_CODE) logger.warn({ code: r.code, where: r.where }, `reading rejected: ${r.message}`)
    if (n === LOGGED_REJECTIONS_PER_CODE) logger.warn({ code: r.code }, 'further rejections with this code are counted, not logged')
  }
}
