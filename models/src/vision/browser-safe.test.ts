import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIR = dirname(fileURLToPath(import.meta.url))

describe('models/src/vision', () => {
  it('stays browser-safe: no node: imports, Buffer or sharp outside tests, and only relative or type imports of protocol', () => {
    const offenders: string[] = []
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(join(DIR, file), 'utf8')
      for (const m of source.matchAll(/^import\s+(type\s+)?[^'"]*['"]([^'"]+)['"]/gm)) {
        const [, isType, spec] = m
        if (spec!.startsWith('.')) continue
        if (spec === '@edgefleet/protocol' && isType) continue
        offenders.push(`${file} imports ${spec}`)
      }
      const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
      if (/\bBuffer\b/.test(code)) offenders.push(`${file} uses Buffer`)
    }
    expect(offenders).toEqual([])
  })
})
