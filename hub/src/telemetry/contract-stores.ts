import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mulberry32 } from '@edgefleet/protocol'
import { influxdAvailable, startInfluxd, type TestInfluxd } from './test-influxd.ts'
import { InfluxTelemetry } from './influx-telemetry.ts'
import { SqliteTelemetry } from './sqlite-telemetry.ts'
import { SpoolingTelemetry } from './spool/spooling-telemetry.ts'
import type { DriftWindowRecord } from './drift-records.ts'
import type { PredictionPoint, TelemetryStore } from './telemetry-store.ts'

/** One implementation under the contract suite: a place per test file, a store per name in it. */
export interface StoreHarness {
  name: 'sqlite' | 'influxdb' | 'influxdb+spool'
  available: boolean
  start(): Promise<void>
  /** opens the store called `name` (the same name opens the same data again) */
  open(name: string): Promise<TelemetryStore>
  stop(): Promise<void>
}

/** SQLite files in a temp directory. */
export function sqliteHarness(): StoreHarness {
  let dir = ''
  return {
    name: 'sqlite',
    available: true,
    async start() {
      dir = await mkdtemp(join(tmpdir(), 'edgefleet-telemetry-'))
    },
    open: (name) => SqliteTelemetry.open(join(dir, `${name}.db`)),
    async stop() {
      if (dir) await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Databases in a private influxd (or EDGEFLEET_TEST_INFLUX_URL's); one run's names never meet another's. */
export function influxHarness(): StoreHarness {
  let server: TestInfluxd | null = null
  const run = randomUUID().slice(0, 8)
  return {
    name: 'influxdb',
    available: influxdAvailable(),
    async start() {
      server = await startInfluxd()
      if (!server) throw new Error('influxd disappeared between the availability check and the start')
    },
    open: (name) => InfluxTelemetry.open(`${server!.url}/t_${run}_${name}`),
    async stop() {
      await server?.stop()
    },
  }
}

/** InfluxDB behind the hub's durable spool (`spool/`), each store with its spool file in a temp directory. */
export function spooledInfluxHarness(): StoreHarness {
  const influx = influxHarness()
  let dir = ''
  return {
    name: 'influxdb+spool',
    available: influx.available,
    async start() {
      dir = await mkdtemp(join(tmpdir(), 'edgefleet-spool-'))
      await influx.start()
    },
    open: async (name) => SpoolingTelemetry.open(await influx.open(name), { path: join(dir, `${name}.spool.db`) }),
    async stop() {
      await influx.stop()
      if (dir) await rm(dir, { recursive: true, force: true })
    },
  }
}

/** The gas-sensor model's classes (UCI gas sensor array drift data). */
export const GAS_LABELS = ['Ethanol', 'Ethylene', 'Ammonia', 'Acetaldehyde', 'Acetone', 'Toluene'] as const

/** What one `pred` message of the gas-sensor model turns into: `n` predictions, readings 10 ms apart. */
export function gasMessage(o: { deviceId: string; seq: number; ts: number; n: number; stepMs?: number; version?: string }): PredictionPoint[] {
  const random = mulberry32(o.seq * 7919 + o.deviceId.length)
  return Array.from({ length: o.n }, (_, index) => {
    const classIndex = Math.floor(random() * GAS_LABELS.length)
    return {
      deviceId: o.deviceId,
      seq: o.seq,
      index,
      ts: o.ts + index * (o.stepMs ?? 10),
      model: 'gas-sensor',
      version: o.version ?? '1.0.0',
      readingId: `${o.deviceId}:${o.seq}:${index}`,
      label: GAS_LABELS[classIndex],
      classIndex,
      confidence: Math.round((0.4 + 0.6 * random()) * 1000) / 1000,
      latencyMs: Math.round((0.01 + 0.03 * random()) * 10000) / 10000,
    }
  })
}

/**
 * A judged drift window as the engine reports it: `features` features (f0, f1, …) with seeded
 * statistics; those in `drifted` above their thresholds. `deviceId` null is the fleet (no seq).
 */
export function driftRecord(o: { deviceId: string | null; seq?: number; ts: number; version?: string; features?: number; drifted?: readonly number[] }): DriftWindowRecord {
  const random = mulberry32(o.ts % 100_003 + (o.seq ?? 7) * 31 + (o.deviceId?.length ?? 0))
  const n = o.features ?? 4
  const drifted = new Set(o.drifted ?? [])
  const features = Array.from({ length: n }, (_, i) => {
    const ks = drifted.has(i) ? 0.3 + random() / 10 : random() / 10
    return {
      name: `f${i}`,
      count: 95 + Math.floor(random() * 5),
      missingRate: Math.floor(random() * 5) / 100,
      psi: ks * 1.7,
      jensenShannon: ks / 2,
      ks,
      ksPValue: drifted.has(i) ? 1e-9 * random() : 0.2 + random() / 2,
      wasserstein: ks * 0.9,
      thresholds: { psi: 0.4, jensenShannon: 0.12, ks: 0.21, wasserstein: 0.25 },
      drifted: drifted.has(i),
    }
  })
  return {
    ts: o.ts,
    start: o.ts - 59_000,
    deviceId: o.deviceId,
    seq: o.deviceId === null ? null : (o.seq ?? 1),
    model: 'gas-sensor',
    version: o.version ?? '1.0.0',
    count: 100,
    driftShare: drifted.size / n,
    dataDrift: drifted.size > 0,
    features,
  }
}
