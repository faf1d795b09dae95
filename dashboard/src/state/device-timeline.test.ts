import { describe, expect, it } from 'vitest'
import { alert } from '../test-fixtures.ts'
import { deviceTimeline } from './device-timeline.ts'

const model = { name: 'gas-sensor', version: '1.1.0' }

describe('device timeline', () => {
  it('merges deploy steps, errors and alerts newest first, in words', () => {
    const events = [
      { seq: 3, ts: 300, type: 'deploy', event: { type: 'deploy', model, step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_INVALID', message: 'bad key' } },
      { seq: 2, ts: 200, type: 'deploy', event: { type: 'deploy', model, step: 'download', state: 'succeeded' } },
      { seq: 1, ts: 100, type: 'error', event: { type: 'error', code: 'AGENT_READING_INVALID', message: 'NaN in temp', count: 4 } },
    ]
    const entries = deviceTimeline(events, [alert('a1', { ts: 250, message: 'temp drifted' })])
    expect(entries.map((e) => [e.ts, e.tone, e.title, e.detail])).toEqual([
      [300, 'bad', 'gas-sensor@1.1.0: verify-signature failed', 'AGENT_SIGNATURE_INVALID bad key'],
      [250, 'warn', 'Alert raised: data-drift on gas-sensor@1.0.0', 'temp drifted'],
      [200, 'ok', 'gas-sensor@1.1.0: download succeeded', null],
      [100, 'bad', 'Error AGENT_READING_INVALID', 'NaN in temp (×4)'],
    ])
  })

  it('leaves download progress ticks out and names shadow activations', () => {
    const events = [
      { seq: 2, ts: 20, type: 'deploy', event: { type: 'deploy', model, step: 'download', state: 'progress', progress: 0.5 } },
      { seq: 1, ts: 10, type: 'deploy', event: { type: 'deploy', role: 'shadow', model, step: 'load', state: 'started' } },
    ]
    expect(deviceTimeline(events, []).map((e) => e.title)).toEqual(['Shadow gas-sensor@1.1.0: load started'])
  })

  it('shows a cleared alert as good news', () => {
    const [entry] = deviceTimeline([], [alert('a', { state: 'cleared' })])
    expect(entry?.tone).toBe('ok')
    expect(entry?.title).toMatch(/^Alert cleared/)
  })
})
