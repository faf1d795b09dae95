// Heavy entry point: TensorFlow.js, onnx-proto and onnxruntime-web. Only builds import it.
export { buildGasSensor, gasSensorStamp, HOLDOUT_FRACTION, type GasSensorBuildOptions } from './gas-sensor/build-gas-sensor.ts'
export { buildUltraface, ultrafaceStamp } from './ultraface/build-ultraface.ts'
export { buildShipped } from './build-shipped.ts'
export { BUILDER_VERSION, STAMP_FILE } from './build-stamp.ts'
export { DEFAULT_SEED, type BuildOptions, type BuildProgress, type BuildReport } from './build-types.ts'
export { exportSequentialToOnnx, type OnnxExportOptions } from './onnx/export-sequential.ts'
export { loadGasSensorBatch, gasSensorFeatureNames, GAS_LABELS } from './gas-sensor/load-batch.ts'
export { ModelBuildError, type ModelBuildErrorCode } from '../errors.ts'
