import { AgentError } from '../errors.ts'
import type { BackendKind, BackendOptions, InferenceBackend } from './backend.ts'
import { createNativeBackend, loadOnnxruntimeNode } from './native.ts'
import { createWasmBackend } from './wasm.ts'

export type BackendChoice = BackendKind | 'auto'

/** Backends that can run here: wasm always, native when onnxruntime-node loads. */
export async function availableBackends(): Promise<BackendKind[]> {
  const kinds: BackendKind[] = ['wasm']
  try {
    await loadOnnxruntimeNode()
    kinds.unshift('native')
  } catch {
    // native is optional
  }
  return kinds
}

/**
 * Creates a session on the chosen backend. `auto` takes native when onnxruntime-node loads, else wasm.
 * A model the runtime cannot load is reported as MODEL_LOAD_FAILED with the runtime's reason.
 */
export async function createBackend(choice: BackendChoice, model: Uint8Array, options: BackendOptions = {}): Promise<InferenceBackend> {
  const kind: BackendKind = choice === 'auto' ? (await availableBackends())[0]! : choice
  try {
    return kind === 'native' ? await createNativeBackend(model, options) : await createWasmBackend(model, options)
  } catch (cause) {
    if (cause instanceof AgentError) throw cause
    throw new AgentError('MODEL_LOAD_FAILED', `onnxruntime (${kind}) could not load the model: ${(cause as Error).message}`, { cause, step: 'load' })
  }
}
