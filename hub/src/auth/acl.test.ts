import {
  alertFilters, alertTopic, allDevicesFilter, deviceTopic, DOWNLINK_CHANNELS, provisionTopic, sensorFilter, sensorTopic, UPLINK_CHANNELS,
} from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { canPublish, canSubscribe, type Principal } from './acl.ts'

const A = 'pi-01'
const B = 'pi-02'
const PRINCIPALS: readonly (readonly [string, Principal])[] = [
  ['device A', { kind: 'device', id: A }],
  ['device B', { kind: 'device', id: B }],
  ['subscriber', { kind: 'subscriber', name: 'alerts-bot' }],
  ['hub', { kind: 'hub' }],
]

const Y = true
const N = false
/** one cell per principal, in PRINCIPALS order: device A, device B, subscriber, hub */
type Cells = readonly [boolean, boolean, boolean, boolean]
type Row = readonly [what: string, topic: string, publish: Cells, subscribe: Cells]

const driftA = alertTopic({ model: 'gas-sensor', deviceId: A, kind: 'data-drift' })
const driftB = alertTopic({ model: 'gas-sensor', deviceId: B, kind: 'confidence-drop' })
const driftFleet = alertTopic({ model: 'gas-sensor', deviceId: null, kind: 'prediction-drift' })

/** Concrete topics. Hand-written strings are deliberately not protocol topics. */
const TOPICS: readonly Row[] = [
  //  what                         topic                                publish:  A  B  S  H     subscribe: A  B  S  H
  ['A status',                   deviceTopic(A, 'status'),                   [Y, N, N, Y],             [N, N, N, Y]],
  ['A pred',                     deviceTopic(A, 'pred'),                     [Y, N, N, Y],             [N, N, N, Y]],
  ['A drift',                    deviceTopic(A, 'drift'),                    [Y, N, N, Y],             [N, N, N, Y]],
  ['A samples',                  deviceTopic(A, 'samples'),                  [Y, N, N, Y],             [N, N, N, Y]],
  ['A labels',                   deviceTopic(A, 'labels'),                   [Y, N, N, Y],             [N, N, N, Y]],
  ['A events',                   deviceTopic(A, 'events'),                   [Y, N, N, Y],             [N, N, N, Y]],
  ['A desired',                  deviceTopic(A, 'desired'),                  [N, N, N, Y],             [Y, N, N, Y]],
  ['A cmd',                      deviceTopic(A, 'cmd'),                      [N, N, N, Y],             [Y, N, N, Y]],
  ['B status',                   deviceTopic(B, 'status'),                   [N, Y, N, Y],             [N, N, N, Y]],
  ['B pred',                     deviceTopic(B, 'pred'),                     [N, Y, N, Y],             [N, N, N, Y]],
  ['B drift',                    deviceTopic(B, 'drift'),                    [N, Y, N, Y],             [N, N, N, Y]],
  ['B samples',                  deviceTopic(B, 'samples'),                  [N, Y, N, Y],             [N, N, N, Y]],
  ['B labels',                   deviceTopic(B, 'labels'),                   [N, Y, N, Y],             [N, N, N, Y]],
  ['B events',                   deviceTopic(B, 'events'),                   [N, Y, N, Y],             [N, N, N, Y]],
  ['B desired',                  deviceTopic(B, 'desired'),                  [N, N, N, Y],             [N, Y, N, Y]],
  ['B cmd',                      deviceTopic(B, 'cmd'),                      [N, N, N, Y],             [N, Y, N, Y]],
  ['alert, device A scope',      driftA,                                     [N, N, N, Y],             [N, N, Y, Y]],
  ['alert, device B scope',      driftB,                                     [N, N, N, Y],             [N, N, Y, Y]],
  ['alert, fleet scope',         driftFleet,                                 [N, N, N, Y],             [N, N, Y, Y]],
  ['A sensor',                   sensorTopic(A, 'all'),                      [N, N, N, Y],             [N, N, N, Y]],
  ['B sensor',                   sensorTopic(B, 'mq-2'),                     [N, N, N, Y],             [N, N, N, Y]],
  ['$SYS topic',                 '$SYS/x',                                   [N, N, N, N],             [N, N, N, N]],
  ['foreign tree',               'home/kitchen/temp',                        [N, N, N, Y],             [N, N, N, Y]],
  ['other protocol version',     'ef/v2/dev/pi-01/status',                   [N, N, N, Y],             [N, N, N, Y]],
  ['A, unknown channel',         'ef/v1/dev/pi-01/unknown',                  [N, N, N, Y],             [N, N, N, Y]],
  ['A status, extra level',      'ef/v1/dev/pi-01/status/extra',             [N, N, N, Y],             [N, N, N, Y]],
  ['alerts parent level',        'ef/v1/alerts',                             [N, N, N, Y],             [N, N, N, Y]],
  ['A status with NUL',          'ef/v1/dev/pi-01/sta\u0000tus',             [N, N, N, N],             [N, N, N, N]],
  ['empty topic',                '',                                         [N, N, N, N],             [N, N, N, N]],
]

/** Wildcard and invalid filters: nobody may publish to them; subscription as marked. */
const FILTERS: readonly Row[] = [
  //  what                         filter                               publish:  A  B  S  H     subscribe: A  B  S  H
  ['everything',                 '#',                                        [N, N, N, N],             [N, N, N, Y]],
  ['any one level',              '+',                                        [N, N, N, N],             [N, N, N, Y]],
  ['all of ef',                  'ef/#',                                     [N, N, N, N],             [N, N, N, Y]],
  ['all of ef/v1',               'ef/v1/#',                                  [N, N, N, N],             [N, N, N, Y]],
  ['any prefix, alerts',         '+/v1/alerts/#',                            [N, N, N, N],             [N, N, N, Y]],
  ['any version, alerts',        'ef/+/alerts/#',                            [N, N, N, N],             [N, N, N, Y]],
  ['any ef/v1 subtree',          'ef/v1/+/#',                                [N, N, N, N],             [N, N, N, Y]],
  ['all alerts',                 alertFilters.all(),                         [N, N, N, N],             [N, N, Y, Y]],
  ['one model’s alerts',         alertFilters.model('gas-sensor'),           [N, N, N, N],             [N, N, Y, Y]],
  ['one device’s alerts',        alertFilters.device(A),                     [N, N, N, N],             [N, N, Y, Y]],
  ['one model’s fleet alerts',   alertFilters.fleet('gas-sensor'),           [N, N, N, N],             [N, N, Y, Y]],
  ['one alert kind',             'ef/v1/alerts/+/+/data-drift',              [N, N, N, N],             [N, N, Y, Y]],
  ['alerts, one level below',    'ef/v1/alerts/+',                           [N, N, N, N],             [N, N, Y, Y]],
  ['A, every channel (+)',       'ef/v1/dev/pi-01/+',                        [N, N, N, N],             [N, N, N, Y]],
  ['A, every channel (#)',       'ef/v1/dev/pi-01/#',                        [N, N, N, N],             [N, N, N, Y]],
  ['every device’s desired',     allDevicesFilter('desired'),                [N, N, N, N],             [N, N, N, Y]],
  ['every device’s pred',        allDevicesFilter('pred'),                   [N, N, N, N],             [N, N, N, Y]],
  ['A, every sensor',            sensorFilter(A),                            [N, N, N, N],             [N, N, N, Y]],
  ['$SYS subtree',               '$SYS/#',                                   [N, N, N, N],             [N, N, N, N]],
  ['+ inside a level',           'a+/b',                                     [N, N, N, N],             [N, N, N, N]],
  ['# not last',                 'ef/v1/alerts/#/x',                         [N, N, N, N],             [N, N, N, N]],
  ['# inside a level',           'ef/v1/alerts/gas#',                        [N, N, N, N],             [N, N, N, N]],
  ['alerts filter with NUL',     'ef/v1/alerts/\u0000/#',                    [N, N, N, N],             [N, N, N, N]],
]

const cases = [...TOPICS, ...FILTERS].flatMap(([what, topic, publish, subscribe]) =>
  PRINCIPALS.flatMap(([who, principal], i) => [
    { who, principal, op: 'publish' as const, what, topic, expected: publish[i] ? 'allow' : 'deny' },
    { who, principal, op: 'subscribe' as const, what, topic, expected: subscribe[i] ? 'allow' : 'deny' },
  ]),
)

describe('broker ACL', () => {
  it('covers every uplink and downlink channel of both devices', () => {
    const listed = new Set(TOPICS.map((row) => row[1]))
    for (const id of [A, B]) {
      for (const channel of [...UPLINK_CHANNELS, ...DOWNLINK_CHANNELS]) expect(listed, `${id} ${channel}`).toContain(deviceTopic(id, channel))
    }
  })

  for (const { who, principal, op, what, topic, expected } of cases) {
    it(`${who} ${op} ${what}: ${expected}`, () => {
      const decision = op === 'publish' ? canPublish(principal, topic) : canSubscribe(principal, topic)
      expect(decision.allow ? 'allow' : 'deny').toBe(expected)
      if (!decision.allow) expect(decision.reason).toMatch(/^\S[^\n]{10,}$/)
    })
  }

  it('says why in words a person can act on', () => {
    const device: Principal = { kind: 'device', id: A }
    expect(canPublish(device, deviceTopic(A, 'desired'))).toEqual({ allow: false, reason: 'desired is a hub-to-device channel' })
    expect(canPublish(device, deviceTopic(B, 'status'))).toEqual({ allow: false, reason: 'devices may not publish to another device’s topics' })
    expect(canSubscribe(device, 'ef/v1/dev/pi-01/+')).toEqual({ allow: false, reason: 'devices subscribe to exact topics, without wildcards' })
    expect(canPublish({ kind: 'subscriber', name: 's' }, driftA)).toEqual({ allow: false, reason: 'alert subscribers may not publish' })
    expect(canSubscribe({ kind: 'subscriber', name: 's' }, 'ef/#')).toEqual({
      allow: false, reason: 'alert subscribers may subscribe only to filters within ef/v1/alerts/',
    })
  })
})

describe('broker ACL: claim connections (fleet provisioning)', () => {
  const claim: Principal = { kind: 'claim', token: 'batch-7', clientId: 'claim-1' }
  const others = [...PRINCIPALS.filter(([, p]) => p.kind !== 'hub'), ['another claim', { kind: 'claim', token: 'batch-7', clientId: 'claim-2' }] as const]
  const ownRequest = provisionTopic('claim-1', 'request')
  const ownResponse = provisionTopic('claim-1', 'response')

  it('publishes only its own request and subscribes only to its own response', () => {
    expect(canPublish(claim, ownRequest)).toEqual({ allow: true })
    expect(canSubscribe(claim, ownResponse)).toEqual({ allow: true })
    expect(canPublish(claim, ownResponse).allow).toBe(false)
    expect(canSubscribe(claim, ownRequest).allow).toBe(false)
  })

  it('can do nothing else: no device, alert or other claim topic, no wildcard', () => {
    const elsewhere = [
      ...[...UPLINK_CHANNELS, ...DOWNLINK_CHANNELS].map((c) => deviceTopic(A, c)),
      deviceTopic('claim-1', 'pred'), driftA, driftFleet, sensorTopic(A, 'all'),
      provisionTopic('claim-2', 'request'), provisionTopic('claim-2', 'response'), '$SYS/x', 'home/kitchen/temp',
    ]
    for (const topic of elsewhere) {
      expect(canPublish(claim, topic).allow, `publish ${topic}`).toBe(false)
      expect(canSubscribe(claim, topic).allow, `subscribe ${topic}`).toBe(false)
    }
    for (const filter of ['#', 'ef/v1/provision/+/response', 'ef/v1/provision/claim-1/+', 'ef/v1/provision/#', alertFilters.all()]) {
      expect(canSubscribe(claim, filter).allow, filter).toBe(false)
    }
    expect(canPublish(claim, ownRequest.replace('request', 'unknown')).allow).toBe(false)
  })

  it('nobody but the hub and the claim itself uses a claim connection’s topics', () => {
    for (const [who, p] of others) {
      expect(canPublish(p, ownRequest).allow, `${who} publish`).toBe(false)
      expect(canSubscribe(p, ownResponse).allow, `${who} subscribe`).toBe(false)
    }
    expect(canPublish({ kind: 'hub' }, ownResponse).allow).toBe(true)
  })

  it('says why', () => {
    expect(canPublish(claim, deviceTopic(A, 'pred'))).toEqual({ allow: false, reason: 'a claim connection may publish only its own provisioning request' })
    expect(canSubscribe(claim, 'ef/v1/provision/+/response')).toEqual({ allow: false, reason: 'a claim connection may subscribe only to its own provisioning response' })
  })
})
