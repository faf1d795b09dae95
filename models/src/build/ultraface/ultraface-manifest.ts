import type { ImagePreprocessing, Manifest } from '@edgefleet/protocol'
import { sha256Bytes } from '../../package/sha256-file.ts'
import type { DetectionPost } from '../../vision/decode-detections.ts'
import { buildTimestamp } from '../build-types.ts'

export const ULTRAFACE_NAME = 'ultraface'
export const ULTRAFACE_VERSION = '1.0.0'
/** The upstream ONNX file this package wraps. */
export const ULTRAFACE_FILE = 'version-RFB-320.onnx'
export const ULTRAFACE_UPSTREAM = 'https://github.com/Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB'

/** Graph inputs and outputs the package declares; the build checks the model has exactly these. */
export const ULTRAFACE_INPUT = { name: 'input', shape: [1, 3, 240, 320] } as const
export const ULTRAFACE_OUTPUTS = [
  { name: 'scores', shape: [1, 4420, 2], role: 'scores', labels: ['background', 'face'] },
  { name: 'boxes', shape: [1, 4420, 4], role: 'boxes' },
] as const

/** How UltraFace wants its input: the authors' normalisation (x − 127) / 128 per RGB channel, stretched to 320×240. */
export const ULTRAFACE_PREPROCESSING: Readonly<ImagePreprocessing> = Object.freeze({
  type: 'image', width: 320, height: 240, resize: 'stretch', channels: 'rgb', layout: 'nchw', scale: 1, mean: [127, 127, 127], std: [128, 128, 128],
})

/** The authors' thresholds: face score 0.7, NMS IoU 0.3. */
export const ULTRAFACE_POSTPROCESSING: Readonly<DetectionPost> = Object.freeze({
  type: 'detection', classIndex: 1, scoreThreshold: 0.7, iouThreshold: 0.3, maxDetections: 200, boxFormat: 'corner-normalized',
})

/**
 * The ultraface package manifest around the upstream model bytes, the computed self-test and the
 * reference statistics. The reference feature names (image statistics, then `detections` and
 * `top_score`) are the drift features an agent computes per frame.
 */
export function ultrafaceManifest(onnx: Uint8Array, opset: number | undefined, selfTest: Manifest['selfTest'], reference: Manifest['reference']): Manifest {
  return {
    formatVersion: 1,
    name: ULTRAFACE_NAME,
    version: ULTRAFACE_VERSION,
    description: 'UltraFace RFB-320: a 1 MB real-time face detector (320×240 RGB), pretrained upstream; boxes are already decoded from the priors.',
    license: 'MIT',
    task: 'detection',
    createdAt: buildTimestamp(),
    model: { file: 'model.onnx', sha256: sha256Bytes(onnx), size: onnx.byteLength, ...(opset === undefined ? {} : { opset }) },
    inputs: [
      {
        name: ULTRAFACE_INPUT.name,
        dtype: 'float32',
        shape: [...ULTRAFACE_INPUT.shape],
        kind: 'image',
        preprocessing: { ...ULTRAFACE_PREPROCESSING, mean: [...ULTRAFACE_PREPROCESSING.mean], std: [...ULTRAFACE_PREPROCESSING.std] },
      },
    ],
    outputs: ULTRAFACE_OUTPUTS.map((o) => ({
      name: o.name,
      dtype: 'float32' as const,
      shape: [...o.shape],
      role: o.role,
      ...('labels' in o ? { labels: [...o.labels] } : {}),
    })),
    postprocessing: { ...ULTRAFACE_POSTPROCESSING },
    reference,
    // a camera gives a frame every second or so: judge 30 frames, or whatever a minute brought
    drift: { windowSamples: 30, windowSeconds: 60 },
    selfTest,
    training: {
      data: `pretrained upstream by Linzaer on WIDER FACE (${ULTRAFACE_UPSTREAM}, ${ULTRAFACE_FILE}); not retrained here`,
      library: 'upstream PyTorch export (ONNX)',
      parent: null,
      metrics: {},
      evaluations: [],
    },
  }
}
