/**
 * Preloaded (`--import`) into every broker process of the hub-ingest benchmark, hub and raw aedes
 * alike, with `--expose-gc`: on SIGUSR2 it runs full garbage collections and writes
 * `process.memoryUsage()` to the file named by EF_BENCH_MEMORY_FILE, so memory is compared at what
 * the process retains rather than at whatever garbage it has not collected yet. Changes nothing else.
 */
import { writeFileSync } from 'node:fs'

const file = process.env.EF_BENCH_MEMORY_FILE
const gc = (globalThis as { gc?: () => void }).gc
if (file && gc) {
  process.on('SIGUSR2', () => {
    gc()
    gc()
    writeFileSync(file, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }))
  })
}
