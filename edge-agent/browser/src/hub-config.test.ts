import { expect, it } from 'vitest'
import { parseHubConfig } from './hub-config.ts'

it('takes the broker WebSocket URL the hub names', () => {
  expect(parseHubConfig({ v: 1, mqttUrl: 'wss://hub.example:8083/mqtt' })).toEqual({ mqttUrl: 'wss://hub.example:8083/mqtt' })
})

it("stops with the hub's own explanation when browsers cannot reach its broker", () => {
  const problem = 'the hub picks its MQTT-over-WebSocket port at start (--ws-port 0), so the page cannot know it: start the hub with a fixed --ws-port'
  expect(() => parseHubConfig({ v: 1, mqttUrl: null, problem })).toThrow(`this page cannot reach the hub's broker: ${problem}`)
})

it('refuses an answer of another version, or of the wrong shape, saying to rebuild the page', () => {
  expect(() => parseHubConfig({ v: 2, mqttUrl: 'ws://h:1/mqtt' })).toThrow(/not version 1.*rebuild the page/)
  expect(() => parseHubConfig({ v: 1, mqttUrl: 'mqtt://h:1883' })).toThrow(/\/mqttUrl .*rebuild the page for this hub/)
  expect(() => parseHubConfig(null)).toThrow(/not version 1/)
})
