import * as tf from '@tensorflow/tfjs'

/**
 * Selects TF.js's pure-JS `cpu` backend: deterministic (same bytes for the same seed on every run) and
 * fast enough for the small MLPs we train. Prod mode also silences TF.js's "install tfjs-node" notice,
 * which would otherwise go to the console from library code.
 */
export async function useCpuBackend(): Promise<void> {
  tf.enableProdMode()
  if (tf.getBackend() !== 'cpu') {
    const ok = await tf.setBackend('cpu')
    if (!ok) throw new Error('TensorFlow.js could not start its cpu backend')
  }
  await tf.ready()
}
