import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertExample, type Alert, type AlertList, type AlertView } from '@edgefleet/protocol'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../../app.ts'
import { loadHubConfig } from '../../config.ts'

let dataDir: string
let app: FastifyInstance
let token: string

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-alert-routes-'))
  // the fixtures carry the protocol examples' fixed (2025) timestamps: keep them, whatever today's date
  app = await build({ config: loadHubConfig({ dataDir, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', alertRetentionDays: 0 }, {}) })
  token = `ops.${(await app.registry.addCredential('operator', 'ops', 'operator')).secret}`
  // through the service, as the drift engine emits them (the broker need not listen for that)
  const alerts: Partial<Alert>[] = [
    { id: 'a1', ts: 1000, state: 'raised', deviceId: 'pi-01' },
    { id: 'a2', ts: 2000, state: 'cleared', deviceId: 'pi-01' },
    { id: 'a3', ts: 3000, state: 'raised', deviceId: 'pi-02', kind: 'confidence-drop' },
  ]
  for (const a of alerts) await app.alerts.emit({ ...alertExample, ...a })
})

afterEach(async () => {
  await app.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = (o: InjectOptions & { url: string }) => app.inject({ ...o, headers: { authorization: `Bearer ${token}`, ...o.headers } })
const ids = (list: AlertList) => list.alerts.map((v) => v.alert.id)

describe('alert routes', () => {
  it('need an operator token', async () => {
    for (const [method, url] of [['GET', '/api/v1/alerts'], ['GET', '/api/v1/alerts/a1'], ['POST', '/api/v1/alerts/a1/ack']] as const) {
      expect((await app.inject({ method, url })).json()).toMatchObject({ statusCode: 401, code: 'HUB_UNAUTHORIZED' })
    }
  })

  it('list newest first, filter, and page with next/before', async () => {
    expect(ids((await call({ url: '/api/v1/alerts' })).json())).toEqual(['a3', 'a2', 'a1'])
    expect(ids((await call({ url: '/api/v1/alerts?state=raised' })).json())).toEqual(['a3', 'a1'])
    expect(ids((await call({ url: '/api/v1/alerts?deviceId=pi-01&model=gas-sensor' })).json())).toEqual(['a2', 'a1'])
    expect(ids((await call({ url: '/api/v1/alerts?kind=confidence-drop&scope=device' })).json())).toEqual(['a3'])
    const page = (await call({ url: '/api/v1/alerts?limit=2' })).json() as AlertList
    expect([ids(page), page.next]).toEqual([['a3', 'a2'], 'a2'])
    const rest = (await call({ url: `/api/v1/alerts?limit=2&before=${page.next}` })).json() as AlertList
    expect([ids(rest), rest.next]).toEqual([['a1'], null])
    expect(rest.alerts[0]).toEqual({ alert: { ...alertExample, id: 'a1', ts: 1000, state: 'raised', deviceId: 'pi-01' }, ack: null })
  })

  it('refuse bad filters with HUB_USAGE', async () => {
    for (const query of ['state=open', 'limit=0', 'limit=501', 'deviceId=a/b', 'acknowledged=maybe', 'before=nope']) {
      const res = await call({ url: `/api/v1/alerts?${query}` })
      expect(res.json(), query).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
    }
  })

  it('get one alert, or 404 with HUB_ALERT_NOT_FOUND', async () => {
    expect((await call({ url: '/api/v1/alerts/a2' })).json()).toMatchObject({ alert: { id: 'a2', state: 'cleared' }, ack: null })
    expect((await call({ url: '/api/v1/alerts/nope' })).json()).toMatchObject({ statusCode: 404, code: 'HUB_ALERT_NOT_FOUND' })
  })

  it('acknowledge as the calling operator with a note; the first acknowledgement stays', async () => {
    const before = Date.now()
    const acked = (await call({ method: 'POST', url: '/api/v1/alerts/a3/ack', payload: { note: 'recalibrating pi-02' } })).json() as AlertView
    expect(acked).toMatchObject({ alert: { id: 'a3' }, ack: { by: 'ops', note: 'recalibrating pi-02' } })
    expect(acked.ack!.at).toBeGreaterThanOrEqual(before)
    const other = `ci.${(await app.registry.addCredential('operator', 'ci', 'operator')).secret}`
    const again = await call({ method: 'POST', url: '/api/v1/alerts/a3/ack', headers: { authorization: `Bearer ${other}` }, payload: { note: 'me too' } })
    expect(again.json()).toEqual(acked)
    expect(ids((await call({ url: '/api/v1/alerts?acknowledged=false' })).json())).toEqual(['a2', 'a1'])
    expect(ids((await call({ url: '/api/v1/alerts?acknowledged=true' })).json())).toEqual(['a3'])
  })

  it('acknowledge without a body, and 404 for an unknown alert', async () => {
    expect((await call({ method: 'POST', url: '/api/v1/alerts/a1/ack' })).json()).toMatchObject({ ack: { by: 'ops', note: null } })
    expect((await call({ method: 'POST', url: '/api/v1/alerts/nope/ack', payload: {} })).json()).toMatchObject({ statusCode: 404, code: 'HUB_ALERT_NOT_FOUND' })
    expect((await call({ method: 'POST', url: '/api/v1/alerts/a1/ack', payload: { note: 'x'.repeat(2000) } })).json()).toMatchObject({ statusCode: 400, code: 'HUB_USAGE' })
  })

  it('are documented in the OpenAPI document', async () => {
    const openapi = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> }
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/alerts/{id}/ack']))
  })
})

describe('alert retention', () => {
  it('prunes alerts older than alertRetentionDays when the hub starts, keeping the newest of each subject', async () => {
    const old = Date.now() - 10 * 86_400_000
    const own = await mkdtemp(join(tmpdir(), 'ef-alert-retention-'))
    const kept = await build({ config: loadHubConfig({ dataDir: own, mqttPort: 0, wsPort: 0, httpPort: 0, logLevel: 'silent', alertRetentionDays: 7 }, {}) })
    try {
      await kept.registry.insertAlert({ ...alertExample, id: 'stale', ts: old, state: 'raised' })
      await kept.registry.insertAlert({ ...alertExample, id: 'stale-but-newest', ts: old + 1000, state: 'cleared' })
      await kept.registry.insertAlert({ ...alertExample, id: 'other-device', ts: old, deviceId: 'pi-other' })
      await kept.ready()
      const left = (await kept.registry.listAlerts()).alerts.map((r) => r.alert.id).sort()
      expect(left).toEqual(['other-device', 'stale-but-newest'])
    } finally {
      await kept.close()
      await rm(own, { recursive: true, force: true })
    }
  })
})
