import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRunConfig } from './run-config.ts'

describe('loadRunConfig', () => {
  it('applies documented defaults and freezes the result', () => {
    const c = loadRunConfig({ model: 'gas-sensor', csv: ['a.csv'] }, {})
    expect(c).toMatchObject({ batchSize: 64, batchWaitMs: 5, queueSize: 1024, backend: 'auto', format: 'jsonl' })
    expect(Object.isFrozen(c)).toBe(true)
  })
  it('reports every bad setting at once, by flag name', () => {
    expect(() => loadRunConfig({ model: 'm', csv: ['a'], batchSize: 0, rate: 'fast' }, {})).toThrow(/--batch-size[\s\S]*--rate/)
  })
  it('requires a source', () => {
    expect(() => loadRunConfig({ model: 'm' }, {})).toThrow(/no source of readings/)
  })
  it('takes flags over environment over a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ef-config-'))
    const file = join(dir, 'agent.json')
    writeFileSync(file, JSON.stringify({ model: 'from-file', csv: ['a.csv'], batchSize: 8, backend: 'native' }))
    const c = loadRunConfig({ config: file, batchSize: 16 }, { EDGEFLEET_BACKEND: 'wasm' })
    expect(c).toMatchObject({ model: 'from-file', batchSize: 16, backend: 'wasm' })
  })
  it('names an unreadable config file', () => {
    expect(() => loadRunConfig({ config: '/nonexistent/agent.json' }, {})).toThrow(/cannot read config file \/nonexistent/)
  })
})
