import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { hubPaths, SqliteRegistry } from '@edgefleet/hub'
import { dataPaths, REPO_ROOT, resolveDataDir } from '@edgefleet/models'
import { decodeChannel, parseDeviceTopic } from '@edgefleet/protocol'
import { expect } from 'vitest'
import { startAgent, type AgentChild } from '../helpers/agent-child.ts'
import type { TappedPublish } from '../helpers/mqtt-tap.ts'

/**
 * What the delivery-path chaos tests share: a hub data directory with devices, agent processes
 * replaying the gas-sensor data, and the checks that count what the hub stored per device seq.
 */

const gasDir = dataPaths(resolveDataDir()).gasSensor
export const batch = (n: number): string => join(gasDir, `batch${n}.csv`)
/** the reading ids the agent gives the rows of batch n (file:line) */
export const rowIds = (n: number): string[] =>
  readFileSync(batch(n), 'utf8').split('\n').filter((l) => l.length > 0).map((_, i) => `batch${n}.csv:${i + 1}`)

/** A hub data directory with devices and an operator token, before any hub runs on it. */
export interface FleetDir {
  dataDir: string
  token: string
  secrets: Map<string, string>
}

export async function fleetDir(dataDir: string, devices: readonly string[]): Promise<FleetDir> {
  const registry = await SqliteRegistry.open(hubPaths(dataDir).registry)
  const secrets = new Map<string, string>()
  try {
    for (const id of devices) secrets.set(id, (await registry.addDevice(id)).secret)
    return { dataDir, secrets, token: `ops.${(await registry.addCredential('operator', 'ops', 'operator')).secret}` }
  } finally {
    await registry.close()
  }
}

/** `edgefleet-agent run` on the shipped gas-sensor model, sending to `hubUrl` (no training samples: every seq is a pred or drift message). */
export function fleetAgent(fleet: FleetDir, id: string, o: { hubUrl: string; stateDir: string; args: readonly string[] }): AgentChild {
  return startAgent([
    'run', '--model', 'gas-sensor', '--columns', 'gas,concentration,*', '--label-column', 'gas', '--no-samples',
    '--hub', o.hubUrl, '--device-id', id, '--state-dir', o.stateDir, '--format', 'none', '--summary', '--json', ...o.args,
  ], { env: { EDGEFLEET_DEVICE_SECRET: fleet.secrets.get(id)! } })
}

/** The uplink figures of an agent's `--summary --json` (its last stderr line). */
export function uplinkSummary(stderr: string): { enqueued: number; sent: number; dropped: number; left: number } {
  return (JSON.parse(stderr.trim().split('\n').at(-1)!) as { uplink: { enqueued: number; sent: number; dropped: number; left: number } }).uplink
}

/** GET on the hub's REST API with the operator token. */
export async function api<T>(httpUrl: string, fleet: FleetDir, path: string): Promise<T> {
  const res = await fetch(`${httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${fleet.token}` } })
  const text = await res.text()
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${text}`)
  return JSON.parse(text) as T
}

/** Predictions the hub has stored for `id`, as its REST API counts them (all time). */
export async function storedCount(httpUrl: string, fleet: FleetDir, id: string): Promise<number> {
  // readings are stamped when replayed: a week back to a day ahead, in day buckets, holds them all
  const day = 86_400_000
  const from = Math.floor(Date.now() / day) * day - 7 * day
  return (await api<{ total: number }>(httpUrl, fleet, `/devices/${id}/predictions?from=${from}&to=${from + 9 * day}&every=${day}`)).total
}

/** Polls `probe` until it returns something; fails naming `what` and the last thing seen after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, seen?: () => unknown, ms = 120_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s; last seen ${JSON.stringify(seen?.() ?? null)}`)
    await sleep(250)
  }
}

/** One stored prediction row, keyed as the telemetry store keys it. */
export interface StoredRow {
  seq: number
  idx: number
  readingId: string
}

// the test package reads the hub's SQLite file with the hub's own driver (read-only), not a twin of it
const Database = createRequire(join(REPO_ROOT, 'hub/package.json'))('better-sqlite3') as new (file: string, o: { readonly: boolean }) => {
  prepare(sql: string): { all(...args: unknown[]): unknown[] }
  close(): void
}

/** Every prediction row the hub's embedded telemetry store holds for `deviceId`, by (seq, index). */
export function storedRows(dataDir: string, deviceId: string): StoredRow[] {
  const db = new Database(hubPaths(dataDir).telemetry, { readonly: true })
  try {
    return db.prepare('SELECT seq, idx, reading_id AS readingId FROM predictions WHERE device_id = ? ORDER BY seq, idx').all(deviceId) as StoredRow[]
  } finally {
    db.close()
  }
}

/**
 * Asserts that the store holds each of `expected` reading ids exactly once (none lost, none stored again
 * under another seq) and nothing else, in the order the agent numbered them.
 */
export function expectStoredExactlyOnce(rows: readonly StoredRow[], expected: readonly string[], device: string): void {
  const ids = rows.map((r) => r.readingId)
  const counts = new Map<string, number>()
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id)
  const missing = expected.filter((id) => !counts.has(id))
  expect(duplicated, `${device}: readings stored more than once`).toEqual([])
  expect(missing, `${device}: readings lost`).toEqual([])
  // seq order is reading order: the outbox numbered them as the agent made them
  expect(ids, `${device}: what the hub stored, in seq order`).toEqual(expected)
}

/** A numbered uplink message of one device as it reached the hub (through the tap). */
export interface Arrival {
  connection: number
  channel: string
  seq: number
  payload: string
  dup: boolean
}

/** `device`'s numbered messages (everything but status) in the order the hub received them. */
export function arrivals(publishes: readonly TappedPublish[], device: string): Arrival[] {
  return publishes.flatMap((p) => {
    const t = parseDeviceTopic(p.topic)
    if (!t || t.deviceId !== device || t.channel === 'status') return []
    const m = decodeChannel(t.channel as 'pred', p.payload) as { seq: number }
    return [{ connection: p.connection, channel: t.channel, seq: m.seq, payload: p.payload.toString(), dup: p.dup }]
  })
}

/** The status messages `device` sent, in arrival order. */
export function statuses(publishes: readonly TappedPublish[], device: string): ReturnType<typeof decodeChannel<'status'>>[] {
  return publishes.flatMap((p) => {
    const t = parseDeviceTopic(p.topic)
    return t?.deviceId === device && t.channel === 'status' ? [decodeChannel('status', p.payload)] : []
  })
}

/**
 * Asserts the hub received `device`'s messages in seq order: on each connection seqs only increase;
 * across connections every seq arrives for the first time above all seqs before it; a seq that comes
 * again (sent before, its acknowledgement lost with the connection) has the identical content and
 * arrives on a later connection. Returns the seqs in first-arrival order, and how many came again.
 */
export function expectArrivedInOrder(list: readonly Arrival[], device: string): { seqs: number[]; repeats: number } {
  const first = new Map<number, Arrival>()
  const seqs: number[] = []
  let repeats = 0
  const lastOnConnection = new Map<number, number>()
  for (const a of list) {
    const prev = lastOnConnection.get(a.connection)
    if (prev !== undefined) expect(a.seq, `${device}: seq ${a.seq} after ${prev} on connection ${a.connection}`).toBeGreaterThan(prev)
    lastOnConnection.set(a.connection, a.seq)
    const earlier = first.get(a.seq)
    if (earlier) {
      repeats++
      expect(a.payload, `${device}: seq ${a.seq} came again with other content`).toBe(earlier.payload)
      expect(a.connection, `${device}: seq ${a.seq} came again on the same connection`).toBeGreaterThan(earlier.connection)
      continue
    }
    if (seqs.length > 0) expect(a.seq, `${device}: seq ${a.seq} first arrived after ${seqs.at(-1)}`).toBeGreaterThan(seqs.at(-1)!)
    first.set(a.seq, a)
    seqs.push(a.seq)
  }
  return { seqs, repeats }
}
