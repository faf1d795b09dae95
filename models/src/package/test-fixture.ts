// Test-only helpers shared by the package tests; not exported from the package.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Manifest } from '@edgefleet/protocol'
import { sha256Bytes } from './sha256-file.ts'

/** A small, schema-valid manifest describing `onnx` (the bytes need not be a real model for these tests). */
export function fixtureManifest(onnx: Uint8Array): Manifest {
  return {
    formatVersion: 1,
    name: 'tiny',
    version: '0.1.0',
    task: 'classification',
    createdAt: '2026-01-01T00:00:00.000Z',
    model: { file: 'model.onnx', sha256: sha256Bytes(onnx), size: onnx.byteLength, opset: 17 },
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 2], kind: 'tabular', preprocessing: { type: 'none' } }],
    outputs: [{ name: 'p', dtype: 'float32', shape: ['batch', 2], role: 'probabilities', labels: ['a', 'b'] }],
    postprocessing: { type: 'classification', topK: 1 },
    reference: { sampleCount: 0, source: 'none', features: [], outputs: {} },
    drift: { windowSamples: 10, windowSeconds: 10 },
    selfTest: { tolerance: 1e-4, vectors: [{ inputs: { x: { kind: 'constant', value: 0 } }, expected: { p: { kind: 'values', values: [0.5, 0.5] } } }] },
    training: { data: 'none', library: 'none', parent: null, metrics: {}, evaluations: [] },
  }
}

/** Makes a temp directory and returns it with a cleanup function for `afterEach`. */
export async function makeTempDir(prefix = 'edgefleet-models-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
