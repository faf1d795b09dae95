import { describe, expect, it } from 'vitest'
import { chooseBackend, type BackendTrial } from './backend-choice.ts'

const passed = (backend: 'webgpu' | 'wasm', runMs?: number): BackendTrial => ({ backend, outcome: 'passed', vectors: 2, maxAbsDiff: 0, ...(runMs === undefined ? {} : { runMs }) })

describe('chooseBackend', () => {
  it('serves on WebGPU when it is there, its outputs pass, and it is not slower than WASM', () => {
    expect(chooseBackend([passed('webgpu', 4), passed('wasm', 20)]))
      .toEqual({ backend: 'webgpu', reason: 'webgpu: webgpu passed 2 self-test vector(s), 4.0 ms per run; wasm passed 2 self-test vector(s), 20 ms per run' })
  })

  it('falls back to WASM, saying why, when WebGPU is missing, its outputs differ, or it is slower', () => {
    expect(chooseBackend([{ backend: 'webgpu', outcome: 'unavailable', why: 'no WebGPU adapter' }, passed('wasm', 20)]))
      .toEqual({ backend: 'wasm', reason: 'wasm: webgpu unavailable (no WebGPU adapter); wasm passed 2 self-test vector(s), 20 ms per run' })
    const differ = chooseBackend([{ backend: 'webgpu', outcome: 'failed', why: 'output scores sum is 4000, expected 4420 (±8.84)' }, passed('wasm', 20)])
    expect(differ.backend).toBe('wasm')
    expect(differ.reason).toContain('webgpu failed the self-test (output scores sum is 4000')
    const software = chooseBackend([passed('webgpu', 3900), passed('wasm', 25)])
    expect(software.backend).toBe('wasm')
    expect(software.reason).toMatch(/webgpu is 156× slower than wasm here$/)
  })

  it('follows a preference only to a backend that passed', () => {
    expect(chooseBackend([passed('webgpu'), passed('wasm')], 'webgpu'))
      .toEqual({ backend: 'webgpu', reason: 'webgpu: webgpu passed 2 self-test vector(s); wasm passed 2 self-test vector(s); webgpu as asked (?backend=webgpu)' })
    expect(chooseBackend([passed('webgpu', 4), passed('wasm', 25)], 'wasm').reason).toMatch(/^wasm: .*wasm as asked \(\?backend=wasm\)$/)
    const refused = chooseBackend([{ backend: 'webgpu', outcome: 'failed', why: 'value 0 is 1, expected 0' }, passed('wasm', 25)], 'webgpu')
    expect(refused.backend).toBe('wasm')
    expect(refused.reason).toContain('webgpu was asked for but did not pass')
  })

  it('serves nothing when no backend passes', () => {
    const none = chooseBackend([{ backend: 'webgpu', outcome: 'unavailable', why: 'no navigator.gpu' }, { backend: 'wasm', outcome: 'failed', why: 'value 0 is 1, expected 0' }])
    expect(none.backend).toBeNull()
    expect(none.reason).toMatch(/^no backend passed the self-test: .*wasm failed/)
  })
})
