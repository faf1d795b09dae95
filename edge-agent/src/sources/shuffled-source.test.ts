import { describe, expect, it } from 'vitest'
import { ShuffledSource } from './shuffled-source.ts'
import type { Source, SourceContext, SourceRecord } from './source.ts'

/** A file-like source of `n` readings with ids `<prefix>-0…`. */
function fileOf(prefix: string, n: number): Source {
  return {
    name: prefix,
    async run(ctx) {
      for (let i = 0; i < n; i++) await ctx.push({ id: `${prefix}-${i}`, ts: 0, values: Float64Array.of(i) })
    },
  }
}

async function replay(source: Source): Promise<SourceRecord[]> {
  const out: SourceRecord[] = []
  const ctx: SourceContext = {
    features: ['x'],
    push: async (r) => (out.push(r), true),
    tryPush: (r) => (out.push(r), true),
    reject: () => undefined,
    signal: new AbortController().signal,
  }
  await source.run(ctx)
  return out
}

describe('ShuffledSource', () => {
  it('replays every reading of every file once, mixed, in an order fixed by the seed', async () => {
    const a = await replay(new ShuffledSource({ sources: [fileOf('a', 50), fileOf('b', 50)], seed: 7 }))
    const again = await replay(new ShuffledSource({ sources: [fileOf('a', 50), fileOf('b', 50)], seed: 7 }))
    const other = await replay(new ShuffledSource({ sources: [fileOf('a', 50), fileOf('b', 50)], seed: 8 }))
    const ids = a.map((r) => r.id)
    expect([...ids].sort()).toEqual([...Array.from({ length: 50 }, (_, i) => `a-${i}`), ...Array.from({ length: 50 }, (_, i) => `b-${i}`)].sort())
    expect(again.map((r) => r.id)).toEqual(ids)
    expect(other.map((r) => r.id)).not.toEqual(ids)
    // mixed: the first half holds readings of both files
    expect(new Set(ids.slice(0, 50).map((id) => id[0]))).toEqual(new Set(['a', 'b']))
    // stamped when replayed, not when read
    expect(a.every((r) => r.ts > 0)).toBe(true)
  })

  it('refuses more readings than it may hold, with what to do', async () => {
    await expect(replay(new ShuffledSource({ sources: [fileOf('a', 11)], seed: 1, maxReadings: 10 }))).rejects.toMatchObject({ code: 'AGENT_USAGE', message: expect.stringMatching(/--shuffle/) })
  })
})
