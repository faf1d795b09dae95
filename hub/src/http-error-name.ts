import { STATUS_CODES } from 'node:http'

/** Where the hub names a status differently from node: RFC 9110's current name. */
const NAMES: Readonly<Record<number, string>> = { 413: 'Content Too Large' }

/**
 * The `error` field of the hub's error shape: the status's reason phrase. Every status has one, so a
 * refusal fastify raises itself (415 for a wrong content type, 414, 431…) is never named as a 500.
 */
export function httpErrorName(status: number): string {
  return NAMES[status] ?? STATUS_CODES[status] ?? (status >= 400 && status < 500 ? 'Bad Request' : 'Internal Server Error')
}
