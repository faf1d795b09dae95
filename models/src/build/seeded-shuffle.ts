import { mulberry32 } from '@edgefleet/protocol'

/** A seeded source of uniform numbers in [0, 1); builds use it instead of Math.random so they are reproducible. */
export type Rng = () => number

/** A seeded generator (mulberry32, the same one the self-test inputs use). */
export function seededRng(seed: number): Rng {
  return mulberry32(seed)
}

/** Shuffles `items` in place (Fisher–Yates) with `rng` and returns it. */
export function shuffleInPlace<T extends { [i: number]: unknown; length: number }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const tmp = items[i]
    items[i] = items[j]
    items[j] = tmp
  }
  return items
}
