import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** Most characters one SSE event may take before the stream is judged broken (the hub's bodies are far smaller). */
const MAX_EVENT_CHARS = 4 * 1024 * 1024

export interface EventStreamHandlers {
  onEvent: (message: EventSourceMessage) => void
  /** any bytes at all arrived (events or `: ping` comments): the connection is alive */
  onActivity?: () => void
}

/**
 * Reads a `text/event-stream` body to its end, handing each event on. Resolves when the server ends the
 * stream; rejects when reading fails (a cut connection, an abort) or an event grows past its limit.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, handlers: EventStreamHandlers): Promise<void> {
  let failure: Error | null = null
  const parser = createParser({
    onEvent: handlers.onEvent,
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') failure = err
    },
    maxBufferSize: MAX_EVENT_CHARS,
  })
  const reader = body.getReader()
  const decoder = new TextDecoder()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      handlers.onActivity?.()
      parser.feed(decoder.decode(value, { stream: true }))
      if (failure) throw failure
    }
    parser.feed(decoder.decode())
  } finally {
    reader.releaseLock()
  }
}
