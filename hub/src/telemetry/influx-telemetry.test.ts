import { freePorts } from '../test-support/free-ports.ts'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { influxdAvailable, startInfluxd, type TestInfluxd } from './test-influxd.ts'
import { gasMessage } from './contract-stores.ts'
import { InfluxTelemetry } from './influx-telemetry.ts'


describe('InfluxTelemetry', () => {
  it('says which InfluxDB it cannot reach, without its password', async () => {
    const url = `http://edge:hunter2@127.0.0.1:${(await freePorts(1))[0]!}/edgefleet`
    const err = await InfluxTelemetry.open(url).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE', statusCode: 503 })
    expect((err as Error).message).toContain(`http://edge:***@127.0.0.1:`)
    expect((err as Error).message).toMatch(/ECONNREFUSED/)
    expect((err as Error).message).not.toContain('hunter2')
  })

  describe.runIf(influxdAvailable())('against influxd', () => {
    let server: TestInfluxd
    beforeAll(async () => {
      server = (await startInfluxd())!
    })
    afterAll(() => server?.stop())

    async function retentionPolicies(db: string): Promise<unknown[][]> {
      const res = await fetch(`${server.url}/query?db=${db}&q=${encodeURIComponent('SHOW RETENTION POLICIES')}`)
      const body = (await res.json()) as { results: { series: { values: unknown[][] }[] }[] }
      return body.results[0]!.series[0]!.values
    }

    it('creates the database and keeps the retention in its default policy across reopens', async () => {
      const store = await InfluxTelemetry.open(`${server.url}/retention_db`)
      await store.setRetention(3)
      await store.close()
      expect(await retentionPolicies('retention_db')).toEqual([['autogen', '72h0m0s', '24h0m0s', 1, true]])

      const again = await InfluxTelemetry.open(`${server.url}/retention_db`)
      onTestFinished(() => again.close())
      // the reopened store knows the retention: an expired point is left out, not refused by the server
      await again.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 1, ts: Date.now() - 4 * 86_400_000, n: 3 }))
      await again.writePredictions(gasMessage({ deviceId: 'gas-01', seq: 2, ts: Date.now(), n: 3 }))
      expect(await again.countPredictions()).toBe(3)
      await again.setRetention(0.5)
      expect((await retentionPolicies('retention_db'))[0]).toEqual(['autogen', '12h0m0s', '1h0m0s', 1, true])
    })

    it('overwrites a resent prediction instead of adding it', async () => {
      const store = await InfluxTelemetry.open(`${server.url}/resend_db`)
      onTestFinished(() => store.close())
      const [p] = gasMessage({ deviceId: 'gas-01', seq: 7, ts: Date.now(), n: 1 })
      await store.writePredictions([p!])
      await store.writePredictions([{ ...p!, latencyMs: 0.5 }])
      const [bucket] = await store.aggregatePredictions({ deviceId: 'gas-01', from: p!.ts, to: p!.ts + 1, everyMs: 1 })
      expect(bucket).toMatchObject({ count: 1, meanLatencyMs: 0.5 })
    })
  })
})
