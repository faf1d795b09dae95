import type { EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { readEventStream } from './event-stream.ts'

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c))
      controller.close()
    },
  })
}

describe('event stream reader', () => {
  it('parses events split across chunks (even inside a multi-byte character) and counts pings as activity', async () => {
    const bytes = new TextEncoder().encode('event: device\ndata: {"device":"é"}\n\n')
    const cut = bytes.indexOf(0xc3) + 1
    const chunks = [': ping\n\n', 'event: ready\nda', 'ta: {"at":1}\n\n']
    const events: EventSourceMessage[] = []
    let activity = 0
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c))
        controller.enqueue(bytes.slice(0, cut))
        controller.enqueue(bytes.slice(cut))
        controller.close()
      },
    })
    await readEventStream(stream, { onEvent: (e) => events.push(e), onActivity: () => (activity += 1) })
    expect(events.map((e) => [e.event, e.data])).toEqual([['ready', '{"at":1}'], ['device', '{"device":"é"}']])
    expect(activity).toBe(5)
  })

  it('resolves when the server ends the stream', async () => {
    const events: EventSourceMessage[] = []
    await readEventStream(streamOf(['event: model\ndata: {}\n\n']), { onEvent: (e) => events.push(e) })
    expect(events).toHaveLength(1)
  })
})
