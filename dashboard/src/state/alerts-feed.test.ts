import { describe, expect, it } from 'vitest'
import { alert, alertEvent } from '../test-fixtures.ts'
import { alertsNavLabel, appendPage, applyAlertEvents, upsertAlert, type AlertFeed } from './alerts-feed.ts'

const feed = (...alerts: ReturnType<typeof alert>[]): AlertFeed => ({ alerts, next: null })
const ids = (f: AlertFeed) => f.alerts.map((a) => a.alert.id)

describe('alert feed', () => {
  it('puts a new alert on top', () => {
    const f = feed(alert('2', { ts: 200 }), alert('1', { ts: 100 }))
    expect(ids(applyAlertEvents(f, [alertEvent(alert('3', { ts: 300 }))]))).toEqual(['3', '2', '1'])
  })

  it('puts a new alert with the same time as the newest one on top', () => {
    expect(ids(upsertAlert(feed(alert('1', { ts: 100 })), alert('2', { ts: 100 })))).toEqual(['2', '1'])
  })

  it('replaces an alert in place when it is acknowledged, even among alerts of the same time', () => {
    const f = feed(alert('3', { ts: 100 }), alert('2', { ts: 100 }), alert('1', { ts: 50 }))
    const acked = alert('3', { ts: 100 }, { at: 400, by: 'ops', note: null })
    const next = applyAlertEvents(f, [alertEvent(acked)])
    expect(ids(next)).toEqual(['3', '2', '1'])
    expect(next.alerts[0]?.ack?.by).toBe('ops')
  })

  it('drops an acknowledged alert from an unacknowledged-only feed', () => {
    const f = feed(alert('1'))
    const next = upsertAlert(f, alert('1', {}, { at: 1, by: 'ops', note: null }), { unacknowledged: true })
    expect(next.alerts).toEqual([])
  })

  it("ignores other devices' alerts in a device's feed", () => {
    const f = feed()
    const next = applyAlertEvents(f, [alertEvent(alert('1', { deviceId: 'pi-02' }))], { deviceId: 'pi-01' })
    expect(next.alerts).toEqual([])
  })

  it('appends an older page without duplicates and takes its cursor', () => {
    const f: AlertFeed = { alerts: [alert('3'), alert('2')], next: '2' }
    const next = appendPage(f, { alerts: [alert('2'), alert('1')], next: null })
    expect(ids(next)).toEqual(['3', '2', '1'])
    expect(next.next).toBeNull()
  })

  it('counts unacknowledged alerts in the nav label', () => {
    expect(alertsNavLabel(null)).toBe('Alerts')
    expect(alertsNavLabel(feed())).toBe('Alerts')
    expect(alertsNavLabel(feed(alert('1'), alert('2')))).toBe('Alerts (2)')
    expect(alertsNavLabel({ alerts: [alert('1')], next: '1' })).toBe('Alerts (1+)')
  })
})
