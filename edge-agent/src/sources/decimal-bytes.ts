/**
 * Number parsing straight from CSV bytes, without decoding to strings. Plain decimals
 * (`-12.345`, `1e-3`) with at most 15 significant digits and a decimal exponent within ±22 take
 * Clinger's fast path: the digits form an exact integer and one IEEE multiply or divide by an exact
 * power of ten rounds correctly, so the result equals `Number(text)` bit for bit. Anything else
 * returns `undefined` and the caller falls back to `Number()` on the text.
 */

const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i)

const SPACE = 32
const TAB = 9
const MINUS = 45
const PLUS = 43
const DOT = 46
const ZERO = 48
const NINE = 57
const LOWER_E = 101
const UPPER_E = 69

const COMMA = 44

/** Where the last `scanDecimalField` stopped: the index of the comma ending the field, or `end`. */
export const scanned = { end: 0 }

/** Parses bytes[start, end) as a decimal number; NaN for an empty field; undefined when the fast path cannot decide. */
export function parseDecimalBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  const v = scanDecimalField(bytes, start, end)
  return scanned.end === end ? v : undefined
}

/**
 * Parses one CSV field that starts at `start` as a decimal number, stopping at the next comma (or
 * `end`) and recording where in `scanned.end`. One pass over the bytes: this is the agent's hot loop.
 * Returns NaN for an empty field, undefined when the field is not a plain decimal (the caller then
 * finds the field's end itself and falls back to Number()).
 */
export function scanDecimalField(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start
  while (i < end && (bytes[i] === SPACE || bytes[i] === TAB)) i++
  if (i === end || bytes[i] === COMMA) {
    scanned.end = i
    return NaN
  }
  let negative = false
  if (bytes[i] === MINUS || bytes[i] === PLUS) {
    negative = bytes[i] === MINUS
    i++
  }
  let mantissa = 0
  let significant = 0
  let exponent = 0
  let digits = 0
  for (; i < end; i++) {
    const c = bytes[i]! - ZERO
    if (c < 0 || c > 9) break
    digits++
    if (mantissa !== 0 || c !== 0) {
      mantissa = mantissa * 10 + c
      significant++
    }
  }
  if (i < end && bytes[i] === DOT) {
    for (i++; i < end; i++) {
      const c = bytes[i]! - ZERO
      if (c < 0 || c > 9) break
      digits++
      if (mantissa !== 0 || c !== 0) {
        mantissa = mantissa * 10 + c
        significant++
      }
      exponent--
    }
  }
  if (digits === 0) return undefined
  if (i < end && (bytes[i] === LOWER_E || bytes[i] === UPPER_E)) {
    i++
    let expNegative = false
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
      expNegative = bytes[i] === MINUS
      i++
    }
    let e = 0
    const expStart = i
    for (; i < end && bytes[i]! >= ZERO && bytes[i]! <= NINE && e < 10_000; i++) e = e * 10 + (bytes[i]! - ZERO)
    if (i === expStart) return undefined
    exponent += expNegative ? -e : e
  }
  while (i < end && (bytes[i] === SPACE || bytes[i] === TAB)) i++
  if ((i !== end && bytes[i] !== COMMA) || significant > 15) return undefined
  scanned.end = i
  if (mantissa === 0) return negative ? -0 : 0
  let value: number
  if (exponent === 0) value = mantissa
  else if (exponent > 0 && exponent <= 22) value = mantissa * POW10[exponent]!
  else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent]!
  else return undefined
  return negative ? -value : value
}
