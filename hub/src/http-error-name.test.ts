import { describe, expect, it } from 'vitest'
import { httpErrorName } from './http-error-name.ts'

describe('httpErrorName', () => {
  it('names every 4xx fastify may raise by its own reason phrase, not as a server error', () => {
    // found by fuzzing: a body without a content type was answered 415 with error "Internal Server Error"
    expect(httpErrorName(415)).toBe('Unsupported Media Type')
    expect(httpErrorName(414)).toBe('URI Too Long')
    expect(httpErrorName(431)).toBe('Request Header Fields Too Large')
    expect(httpErrorName(400)).toBe('Bad Request')
    expect(httpErrorName(413)).toBe('Content Too Large')
    expect(httpErrorName(499)).toBe('Bad Request')
  })

  it('names server errors', () => {
    expect(httpErrorName(500)).toBe('Internal Server Error')
    expect(httpErrorName(503)).toBe('Service Unavailable')
    expect(httpErrorName(599)).toBe('Internal Server Error')
  })
})
