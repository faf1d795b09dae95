import { AgentError } from '../errors.ts'

/** AGENT_DOWNLOAD_TOO_LARGE: over the desired size or the limit, known from the headers or found while streaming. */
export function tooLarge(what: string, size: number, limit: number, streaming = false): AgentError {
  const message = `${what} is ${streaming ? 'larger than' : `${size} bytes, more than`} the ${limit} bytes allowed (the desired state's size, or --max-model-mb)`
  return new AgentError('AGENT_DOWNLOAD_TOO_LARGE', message, { step: 'download' })
}

/** The hub's JSON error body (`{statusCode, code, error, message}`), or the status line. */
export async function refused(res: Response, what: string): Promise<AgentError> {
  let detail = `${res.status} ${res.statusText}`
  try {
    const body = (await res.json()) as { code?: unknown; message?: unknown }
    if (typeof body.message === 'string') detail = `${res.status}${typeof body.code === 'string' ? ` ${body.code}` : ''}: ${body.message}`
  } catch {
    // not JSON: the status line says it
  }
  const hint = res.status === 401 || res.status === 403 ? ' (check the device id and secret)' : ''
  return new AgentError('AGENT_DOWNLOAD_FAILED', `the hub refused the download of ${what}: HTTP ${detail}${hint}`, { step: 'download' })
}

/** An error's message with its cause's code (undici puts the socket error there). */
export function messageOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } }
  return e.cause?.message ? `${e.message} (${e.cause.code ?? e.cause.message})` : e.message
}
