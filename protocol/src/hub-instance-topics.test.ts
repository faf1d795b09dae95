import { expect, it } from 'vitest'
import { hubInstancesFilter, hubInstanceTopic, parseDeviceTopic, parseHubInstanceTopic, sharedFilter, topicMatches } from './topics.ts'
import { allDevicesFilter } from './topics.ts'

it('names hub instance states under the reserved _hub level, apart from every device topic', () => {
  const topic = hubInstanceTopic('fleet', 'hub-1')
  expect(topic).toBe('ef/v1/_hub/fleet/hub-1')
  expect(topicMatches(hubInstancesFilter('fleet'), topic)).toBe(true)
  expect(topicMatches(hubInstancesFilter('other'), topic)).toBe(false)
  expect(parseHubInstanceTopic(topic)).toEqual({ group: 'fleet', instanceId: 'hub-1' })
  expect(parseDeviceTopic(topic)).toBeNull()
  expect(parseHubInstanceTopic('ef/v1/dev/hub-1/status')).toBeNull()
})

it('builds MQTT 5 shared subscriptions and refuses names that are no single topic level', () => {
  expect(sharedFilter('fleet', allDevicesFilter('pred'))).toBe('$share/fleet/ef/v1/dev/+/pred')
  expect(() => sharedFilter('a/b', allDevicesFilter('pred'))).toThrow(TypeError)
  expect(() => hubInstanceTopic('fleet', '+')).toThrow(/instance id/)
})
