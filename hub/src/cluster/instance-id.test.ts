import { expect, it } from 'vitest'
import { loadHubConfig } from '../config.ts'
import { defaultInstanceId } from './instance-id.ts'

it('derives a stable instance id per host, data directory and HTTP port, usable as a client id and topic level', () => {
  const a = defaultInstanceId('/srv/hub', 8080, 'node 1.example')
  expect(a).toMatch(/^node-1\.example-[0-9a-f]{8}$/)
  expect(defaultInstanceId('/srv/hub', 8080, 'node 1.example')).toBe(a)
  expect(defaultInstanceId('/srv/hub', 8081, 'node 1.example')).not.toBe(a)
  expect(defaultInstanceId('/srv/hub', 8080, '---')).toMatch(/^hub-[0-9a-f]{8}$/)
})

it('takes --shared-group and --instance-id from flags or environment, and refuses sharing without an external broker', () => {
  expect(loadHubConfig({ broker: 'mqtt://b:1883', sharedGroup: 'fleet', instanceId: 'hub-1' }, {})).toMatchObject({ sharedGroup: 'fleet', instanceId: 'hub-1' })
  expect(loadHubConfig({ broker: 'mqtt://b:1883' }, { EDGEFLEET_SHARED_GROUP: 'fleet', EDGEFLEET_INSTANCE_ID: 'hub-2' })).toMatchObject({ sharedGroup: 'fleet', instanceId: 'hub-2' })
  expect(() => loadHubConfig({ sharedGroup: 'fleet' }, {})).toThrow(/--shared-group needs --broker/)
  expect(() => loadHubConfig({ broker: 'mqtt://b:1883', sharedGroup: 'a/b' }, {})).toThrow(/--shared-group/)
})
