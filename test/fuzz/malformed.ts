import fc from 'fast-check'

/**
 * Generators of malformed JSON payloads for the fuzz tests: each yields the bytes to send and the
 * category they came from (for the per-category counts each fuzz file prints). They start from a
 * valid message and break it, or make something that was never a message at all.
 */

/** One generated input: its bytes and what kind of damage it carries. */
export interface Malformed {
  category: string
  bytes: Uint8Array
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const encoder = new TextEncoder()
const utf8 = (s: string): Uint8Array => encoder.encode(s)

/** Numbers at and past the edges of what JSON, doubles and our schemas hold, as JSON text. */
export const EDGE_NUMBERS = ['1e308', '-1e308', '1e999', '-1e999', '-0', '0.0', '9007199254740993', '-9007199254740993', '4294967297', '1e-320', '-1', '2147483648', '0.5', '1.0000000000000002'] as const
/** Strings that code paths sometimes take for numbers or special values. */
const NUMBERISH_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e999', '0x10', '', ' 1', 'null', 'undefined', '__proto__', 'constructor'] as const

/** Byte sequences that are never valid UTF-8: a lone continuation, a truncated sequence, overlong forms, surrogates, > U+10FFFF. */
export const INVALID_UTF8: readonly number[][] = [[0x80], [0xbf], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff]]

/** A placeholder string that {@link toText} replaces by raw JSON number text (1e999, -0…), which JSON.stringify cannot write. */
const RAW = '\u0000raw:'

/** Every path into `value` (objects and arrays), the root included. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]))
  return out
}

function clone<T>(v: T): T {
  return structuredClone(v)
}

/** Replaces (or, with `undefined`, deletes) the value at `path`; the root cannot be deleted. */
function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null
  const copy = clone(root)
  let node = copy as Record<string | number, Json>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>
  const last = path.at(-1)!
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1)
    else delete node[last]
  } else node[last] = value
  return copy
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** JSON text of `value`, with {@link RAW} placeholders turned into raw JSON text. */
function toText(value: Json): string {
  return JSON.stringify(value).replace(/"\\u0000raw:((?:[^"\\]|\\.)*)"/g, (_m, raw: string) => JSON.parse(`"${raw}"`) as string)
}

/** A value of the wrong type, or of the right type far out of range. */
const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...EDGE_NUMBERS).map((n) => `${RAW}${n}`),
  fc.constantFrom(...NUMBERISH_STRINGS),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, [], {}),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.integer({ min: 1000, max: 10_000 }).map((d) => `${RAW}${nested(d, 'array')}`),
  fc.integer({ min: 1_000, max: 60_000 }).map((n) => 'x'.repeat(n)),
)

/** A valid message with one value replaced, removed, or an extra field added (some of these stay valid). */
function mutated(base: Json): fc.Arbitrary<Malformed> {
  const all = paths(base)
  const objects = all.filter((p) => {
    let v: Json = base
    for (const k of p) v = (v as Record<string | number, Json>)[k]!
    return v !== null && typeof v === 'object' && !Array.isArray(v)
  })
  return fc.oneof(
    fc.tuple(fc.constantFrom(...all), weirdValue).map(([p, v]) => ({ category: 'wrong-type-or-range', bytes: utf8(toText(setAt(base, p, v))) })),
    fc.constantFrom(...all.filter((p) => p.length > 0)).map((p) => ({ category: 'missing-field', bytes: utf8(toText(setAt(base, p, undefined))) })),
    fc.tuple(fc.constantFrom(...objects), fc.string({ minLength: 1, maxLength: 12 }), weirdValue)
      .map(([p, k, v]) => ({ category: 'extra-field', bytes: utf8(toText(setAt(base, [...p, k], v))) })),
  )
}

/** Inserts a never-valid UTF-8 sequence somewhere in `bytes`. */
function withInvalidUtf8(bytes: Uint8Array): fc.Arbitrary<Malformed> {
  return fc.tuple(fc.nat({ max: bytes.length }), fc.constantFrom(...INVALID_UTF8)).map(([at, bad]) => ({
    category: 'invalid-utf8',
    bytes: Uint8Array.from([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)]),
  }))
}

/**
 * Malformed payloads for a channel whose valid message is `base`: not JSON, JSON of the wrong shape,
 * edge numbers, deep nesting (up to 10 000 levels), very long strings, invalid UTF-8, mutations of a
 * valid message (wrong types, out-of-range values, missing and extra fields). Payloads stay under
 * `maxBytes` (the broker's own payload limit is another part's concern).
 */
export function malformedPayload(base: object, maxBytes = 200_000): fc.Arbitrary<Malformed> {
  const json = base as Json
  const baseBytes = utf8(JSON.stringify(json))
  const arb: fc.Arbitrary<Malformed> = fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => ({ category: 'random-bytes', bytes: b })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ category: 'not-json-text', bytes: utf8(s) })) },
    { weight: 1, arbitrary: fc.nat({ max: baseBytes.length - 1 }).map((n) => ({ category: 'truncated-json', bytes: baseBytes.subarray(0, n) })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ category: 'wrong-shape-json', bytes: utf8(JSON.stringify(v)) })) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE_NUMBERS).map((n) => ({ category: 'edge-number', bytes: utf8(n) })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1000, max: 10_000 }), fc.constantFrom('array' as const, 'object' as const), fc.boolean()).map(([d, kind, inside]) => ({
        category: 'deep-nesting',
        bytes: utf8(inside ? toText({ ...(json as object), extra: `${RAW}${nested(d, kind)}` } as Json) : nested(d, kind)),
      })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 150_000 }).map((n) => ({ category: 'long-string', bytes: utf8(toText({ ...(json as object), deviceId: 'd'.repeat(n) } as Json)) })) },
    { weight: 1, arbitrary: withInvalidUtf8(baseBytes) },
    { weight: 6, arbitrary: mutated(json) },
  )
  return arb.filter((m) => m.bytes.byteLength <= maxBytes)
}
