import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hubPaths } from '../paths.ts'
import { openTelemetry } from './open-telemetry.ts'

describe('openTelemetry', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-open-telemetry-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('opens the embedded SQLite store in the data directory', async () => {
    const paths = hubPaths(join(dir, 'data'))
    const store = await openTelemetry('sqlite', paths)
    await store.close()
    expect(store.kind).toBe('sqlite')
    expect(existsSync(paths.telemetry)).toBe(true)
  })

  it('treats an http URL as InfluxDB and refuses anything else', async () => {
    const paths = hubPaths(dir)
    await expect(openTelemetry('http://127.0.0.1:1/edgefleet', paths)).rejects.toMatchObject({ code: 'HUB_TELEMETRY_UNAVAILABLE' })
    await expect(openTelemetry('postgres://db/edgefleet', paths)).rejects.toMatchObject({ code: 'HUB_CONFIG_INVALID' })
  })
})
