import { freePorts } from '../test-support/free-ports.ts'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { ExternalBroker } from './external-broker.ts'
import { redactUrl } from './first-connect.ts'


function broker(url: string) {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  const b = new ExternalBroker({ url, ingest: { handle: vi.fn() }, registry: { getDevice: vi.fn() }, logger, connectTimeoutMs: 300, reconnect: { initialMs: 50, maxMs: 100 } })
  onTestFinished(() => b.close())
  return { b, logger }
}

describe('ExternalBroker', () => {
  it('fails start with HUB_BROKER_UNREACHABLE naming the URL and what to check, after the bounded wait', async () => {
    const port = (await freePorts(1))[0]!
    const { b } = broker(`mqtt://hub:s3cret@127.0.0.1:${port}`)
    const err = await b.start().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'HUB_BROKER_UNREACHABLE', statusCode: 503 })
    expect((err as Error).message).toContain(`mqtt://hub:***@127.0.0.1:${port}`)
    expect((err as Error).message).toMatch(/ECONNREFUSED.*check that the broker runs and listens there/)
    expect((err as Error).message).not.toContain('s3cret')
  })

  it('has nobody online before it hears a status, and refuses to publish before it is started', async () => {
    const { b } = broker('mqtt://127.0.0.1:1')
    expect(b.kind).toBe('external')
    expect(b.connectedDevices().size).toBe(0)
    await expect(b.publish('ef/v1/dev/dev-a/cmd', '{}')).rejects.toMatchObject({ code: 'HUB_BROKER_UNREACHABLE' })
  })

  it('cannot disconnect a device itself: it logs that this is done at the broker', () => {
    const { b, logger } = broker('mqtt://127.0.0.1:1')
    b.disconnect('dev-a')
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ deviceId: 'dev-a' }), expect.stringMatching(/remove its user at the broker/))
  })
})

describe('redactUrl', () => {
  it('hides a password and keeps everything else', () => {
    expect(redactUrl('mqtts://hub:pw@broker.example:8883')).toBe('mqtts://hub:***@broker.example:8883')
    expect(redactUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883')
    expect(redactUrl('wss://broker.example/mqtt')).toBe('wss://broker.example/mqtt')
  })
})
