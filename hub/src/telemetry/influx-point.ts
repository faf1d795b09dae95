import type { IPoint } from 'influx'
import { MAX_ITEMS_PER_MESSAGE } from './telemetry-checks.ts'
import type { PredictionPoint } from './telemetry-store.ts'

/** The InfluxDB measurement holding predictions. */
export const PREDICTIONS_MEASUREMENT = 'predictions'

const NS_PER_MS = 1_000_000n
/** message sequence numbers that share one millisecond's nanosecond slots */
const SEQ_SLOTS = 1_000_000n / BigInt(MAX_ITEMS_PER_MESSAGE)

/*
 * The point key: how (deviceId, seq, index) becomes an InfluxDB point identity.
 *
 * InfluxDB 1.x identifies a point by measurement + tag set + timestamp and silently overwrites a point
 * written again with the same identity. We want exactly that for a resent prediction and never for two
 * different ones, without a tag per seq or per index (either would multiply the series count: one
 * series per message, or up to 1000 per device and model version).
 *
 *   series:    predictions,device=<deviceId>,model=<name>,version=<semver>[,label=<label>]
 *   timestamp: ts_ms × 1 000 000 + (seq mod 1000) × 1000 + index        (nanoseconds, precision 'n')
 *
 * The reading's millisecond stays intact (range queries on ms bounds are exact) and its sub-millisecond
 * part encodes the prediction: index < 1000 (the protocol's limit of predictions per message) takes the
 * last three digits, seq mod 1000 the three before. Model, version and label come from the same message
 * as (seq, index), so a resent prediction has the same series and timestamp and overwrites itself.
 *
 * Two different predictions of one device collide only if they share model, version and label, were
 * read in the same millisecond, sit at the same index, and their seqs differ by a non-zero multiple of
 * 1000 — i.e. a reading time repeats a thousand device messages later (seq strictly increases across
 * all of a device's uplink messages). An agent stamps readings with its clock, so that needs the clock
 * to jump back by at least a thousand messages' worth of time onto the exact millisecond.
 *
 * Cardinality: one series per device × model version × label (labels: the model's output classes).
 * Label is a tag because InfluxQL can only GROUP BY tags, and per-label counts are an aggregation.
 */
export function pointTimeNs(p: Pick<PredictionPoint, 'ts' | 'seq' | 'index'>): string {
  const slot = (BigInt(p.seq) % SEQ_SLOTS) * BigInt(MAX_ITEMS_PER_MESSAGE) + BigInt(p.index)
  return (BigInt(p.ts) * NS_PER_MS + slot).toString()
}

/** Nanosecond literal for an InfluxQL time bound given in ms. */
export function msToNsLiteral(ms: number): string {
  return (BigInt(ms) * NS_PER_MS).toString()
}

/** A prediction as an InfluxDB point (write with precision 'n'). */
export function toInfluxPoint(p: PredictionPoint): IPoint {
  // in key order, which saves InfluxDB sorting them; line protocol has no empty tag values, so an
  // empty label is stored as no label (as in SQLite)
  const tags: Record<string, string> = p.label
    ? { device: p.deviceId, label: p.label, model: p.model, version: p.version }
    : { device: p.deviceId, model: p.model, version: p.version }
  const fields: Record<string, number | string | boolean> = {
    seq: p.seq,
    idx: p.index,
    readingId: p.readingId,
    latencyMs: p.latencyMs,
    shadow: p.shadow === true,
  }
  if (p.confidence !== undefined) fields.confidence = p.confidence
  if (p.classIndex !== undefined) fields.classIndex = p.classIndex
  if (p.value !== undefined) fields.value = JSON.stringify(p.value)
  return { measurement: PREDICTIONS_MEASUREMENT, tags, fields, timestamp: pointTimeNs(p) }
}
