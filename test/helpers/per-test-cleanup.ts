import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'

/** Teardown for each test of a file: register it once at module level. */
export interface PerTestCleanup {
  /** runs `fn` after the current test, newest first, whether the test passed or not */
  defer(fn: () => Promise<unknown> | void): void
  /** a fresh temporary directory, removed after the current test */
  tempDir(prefix: string): string
}

/** Registers an afterEach that runs everything deferred during the test, newest first. */
export function perTestCleanup(): PerTestCleanup {
  const pending: (() => Promise<unknown> | void)[] = []
  afterEach(async () => {
    for (const fn of pending.splice(0).reverse()) await fn()
  })
  const defer = (fn: () => Promise<unknown> | void): void => void pending.push(fn)
  return {
    defer,
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      defer(() => rmSync(dir, { recursive: true, force: true }))
      return dir
    },
  }
}
