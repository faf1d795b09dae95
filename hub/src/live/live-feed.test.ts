import type { DeviceView, LiveEventType, RolloutView } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { LiveFeed } from './live-feed.ts'

const quiet = { warn: () => {} }

function feed(o: { failDevice?: boolean } = {}) {
  const built: string[] = []
  const live = new LiveFeed({
    logger: quiet,
    coalesceMs: 20,
    deviceView: async (id) => {
      built.push(`device:${id}`)
      if (o.failDevice) throw new Error('registry closed')
      return { id } as unknown as DeviceView
    },
    rolloutView: async (id) => {
      built.push(`rollout:${id}`)
      return id === 'gone' ? null : ({ id } as unknown as RolloutView)
    },
    rolloutOfDevice: async (id) => (id === 'pi-9' ? 'r9' : null),
  })
  const received: [LiveEventType, unknown][] = []
  return { live, built, received, listen: () => live.subscribe((type, body) => received.push([type, body])) }
}

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms))

describe('LiveFeed', () => {
  it('sends each changed device and rollout once per interval, with its view then', async () => {
    const f = feed()
    f.listen()
    for (let i = 0; i < 100; i++) f.live.deviceChanged('pi-1')
    f.live.deviceChanged('pi-2')
    f.live.rolloutChanged('r1')
    f.live.rolloutChanged('gone')
    await tick()
    expect(f.received).toEqual([['device', { device: { id: 'pi-1' } }], ['device', { device: { id: 'pi-2' } }], ['rollout', { rollout: { id: 'r1' } }]])
  })

  it('sends a device\'s rollout with the device: its progress counts the device\'s status', async () => {
    const f = feed()
    f.listen()
    f.live.deviceChanged('pi-9')
    await tick()
    expect(f.received).toEqual([['device', { device: { id: 'pi-9' } }], ['rollout', { rollout: { id: 'r9' } }]])
  })

  it('builds nothing while nobody listens', async () => {
    const f = feed()
    f.live.deviceChanged('pi-1')
    f.live.rolloutChanged('r1')
    await tick()
    expect(f.built).toEqual([])
    const off = f.listen()
    off()
    f.live.deviceChanged('pi-1')
    await tick()
    expect(f.built).toEqual([])
  })

  it('publishes to every listener even when one throws, and survives a failing view', async () => {
    const f = feed({ failDevice: true })
    f.live.subscribe(() => {
      throw new Error('socket gone')
    })
    f.listen()
    f.live.publish('model', { version: { name: 'm' } } as never)
    f.live.deviceChanged('pi-1')
    await tick()
    expect(f.received).toEqual([['model', { version: { name: 'm' } }]])
    expect(f.built).toEqual(['device:pi-1'])
  })

  it('drops pending changes on close', async () => {
    const f = feed()
    f.listen()
    f.live.deviceChanged('pi-1')
    await f.live.close()
    await tick()
    expect(f.received).toEqual([])
  })
})
