import * as ortWasm from 'onnxruntime-web/wasm'
import type { BrowserBackend } from './backend-choice.ts'

/** onnxruntime-web's API (its builds share one type declaration). */
type Ort = typeof ortWasm

/** A float32 tensor as the page hands it to a session. */
export interface Feed {
  data: Float32Array
  dims: readonly number[]
}

/** One loaded model on one onnxruntime-web execution provider. */
export interface ModelSession {
  readonly backend: BrowserBackend
  run(feeds: Readonly<Record<string, Feed>>): Promise<Record<string, Float32Array>>
  release(): Promise<void>
}

/** What the WebAssembly runtime was set up with. */
export interface RuntimeSettings {
  threads: number
  crossOriginIsolated: boolean
}

let wasmPaths: string | undefined
let webgpuRuntime: Promise<Ort> | undefined

/**
 * Points onnxruntime-web at the runtime files the hub serves beside the page (`wasmPaths`, so
 * nothing comes from a CDN) and picks the thread count: threads need SharedArrayBuffer, which only a
 * cross-origin-isolated page has (the hub sends COOP and COEP); half the cores, at most 4, leaving the
 * rest to the camera, the drawing and the browser (on 2 shared cores, 2 threads made UltraFace 6×
 * slower than 1). Call once, before the first session.
 *
 * Two onnxruntime-web builds are used: the plain WASM one (14 MB, the fastest on the CPU) for the
 * `wasm` backend, and, loaded only when the browser has a WebGPU adapter, the build with the native
 * WebGPU execution provider (`onnxruntime-web/webgpu`). The default build's JSEP WebGPU provider
 * failed UltraFace's first Mul kernel on SwiftShader here; the native provider passes its self-test.
 */
export function configureRuntime(paths: string): RuntimeSettings {
  wasmPaths = paths
  const isolated = globalThis.crossOriginIsolated === true
  const threads = isolated ? Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 1) / 2))) : 1
  configure(ortWasm, threads)
  return { threads, crossOriginIsolated: isolated }
}

function configure(ort: Ort, threads: number): void {
  if (wasmPaths === undefined) throw new Error('configureRuntime() must run before the first session')
  ort.env.wasm.wasmPaths = wasmPaths
  ort.env.wasm.numThreads = threads
  ort.env.logLevel = 'error'
}

function runtime(backend: BrowserBackend): Promise<Ort> {
  if (backend === 'wasm') return Promise.resolve(ortWasm)
  // its own chunk and its own WebAssembly module: fetched only by browsers that have an adapter
  webgpuRuntime ??= import('onnxruntime-web/webgpu').then((ort) => {
    // the GPU does the work; CPU fallbacks of this build need no threads of their own
    configure(ort, 1)
    return ort
  })
  return webgpuRuntime
}

/** Whether this browser offers a WebGPU adapter, and which; or why not. */
export async function webgpuAdapter(): Promise<{ ok: true; name: string } | { ok: false; why: string }> {
  // typed here: the DOM library's WebGPU types lack `adapter.info`
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } }).gpu
  if (!gpu) return { ok: false, why: globalThis.isSecureContext ? 'this browser has no WebGPU (navigator.gpu)' : 'WebGPU needs a secure context (https or localhost)' }
  try {
    const adapter = await gpu.requestAdapter()
    if (!adapter) return { ok: false, why: 'no WebGPU adapter (no usable GPU, or the GPU is blocked)' }
    const info = adapter.info
    const name = [info?.vendor, info?.architecture, info?.description].filter((s) => s).join(' ') || 'unnamed adapter'
    return { ok: true, name }
  } catch (err) {
    return { ok: false, why: `requesting a WebGPU adapter failed: ${(err as Error).message}` }
  }
}

interface GpuAdapter {
  info?: { vendor?: string; architecture?: string; description?: string }
}

/** Loads `onnx` on one execution provider (only that one: no silent fallback inside onnxruntime). */
export async function createSession(backend: BrowserBackend, onnx: Uint8Array): Promise<ModelSession> {
  const ort = await runtime(backend)
  const session = await ort.InferenceSession.create(onnx, {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  })
  return {
    backend,
    async run(feeds) {
      const inputs: Record<string, ortWasm.Tensor> = {}
      for (const [name, f] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', f.data, f.dims)
      const outputs = await session.run(inputs)
      const out: Record<string, Float32Array> = {}
      for (const [name, t] of Object.entries(outputs)) {
        out[name] = t.type === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data as ArrayLike<number>)
        t.dispose()
      }
      return out
    },
    release: () => session.release(),
  }
}
