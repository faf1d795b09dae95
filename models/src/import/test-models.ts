// Test-only: small real ONNX models written with onnx-proto, for the import tests. Not exported.
import { encodeModel, floatInitializer, floatValueInfo, intAttribute } from '../build/onnx/onnx-proto-helpers.ts'

/**
 * A tabular classifier: `x` [batch, 3] → MatMul → Add → Softmax (`probs` [batch, 2]). Class 1 wins when
 * x0 + x1 − x2 > 0. With `logits`, the Softmax is left out (output `logits`).
 */
export function tabularClassifierOnnx(o: { logits?: boolean; batch?: number | string } = {}): Uint8Array {
  const out = o.logits ? 'logits' : 'probs'
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'edgefleet-test',
    graph: {
      name: 'tabular',
      node: [
        { name: 'mm', opType: 'MatMul', input: ['x', 'w'], output: ['xw'] },
        { name: 'add', opType: 'Add', input: ['xw', 'b'], output: [o.logits ? 'logits' : 'z'] },
        ...(o.logits ? [] : [{ name: 'sm', opType: 'Softmax', input: ['z'], output: ['probs'], attribute: [intAttribute('axis', -1)] }]),
      ],
      initializer: [floatInitializer('w', [3, 2], [-1, 1, -1, 1, 1, -1]), floatInitializer('b', [2], [0, 0])],
      input: [floatValueInfo('x', [o.batch ?? 'batch', 3])],
      output: [floatValueInfo(out, [o.batch ?? 'batch', 2])],
    },
  })
}

/** A model whose only node is an operator of a custom domain onnxruntime has never heard of. */
export function customOpOnnx(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }],
    graph: {
      name: 'custom',
      node: [{ name: 'f', opType: 'Frobnicate', domain: 'com.example', input: ['x'], output: ['y'] }],
      input: [floatValueInfo('x', ['batch', 4])],
      output: [floatValueInfo('y', ['batch', 4])],
    },
  })
}

/**
 * An image classifier: `image` [batch, 3, 16, 16] → GlobalAveragePool → Flatten → (×20) → Softmax: the
 * class is the colour channel with the highest mean (red, green, blue).
 */
export function colourClassifierOnnx(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'colour',
      node: [
        { name: 'pool', opType: 'GlobalAveragePool', input: ['image'], output: ['pooled'] },
        { name: 'flat', opType: 'Flatten', input: ['pooled'], output: ['flat'] },
        { name: 'sharpen', opType: 'Mul', input: ['flat', 'k'], output: ['scaled'] },
        { name: 'sm', opType: 'Softmax', input: ['scaled'], output: ['probabilities'], attribute: [intAttribute('axis', -1)] },
      ],
      initializer: [floatInitializer('k', [1], [20])],
      input: [floatValueInfo('image', ['batch', 3, 16, 16])],
      output: [floatValueInfo('probabilities', ['batch', 3])],
    },
  })
}
