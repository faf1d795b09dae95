// Heavy entry point: TensorFlow.js, onnx-proto and onnxruntime-web. Only builds import it.
export { buildGasSensor, gasSensorSplit, gasSensorStamp, HOLDOUT_FRACTION, type GasSensorBuildOptions } from './gas-sensor/build-gas-sensor.ts'
export { buildUltraface, ultrafaceStamp } from './ultraface/build-ultraface.ts'
export { facePhotos, decodePhoto, viewOf as referenceView, REFERENCE_VIEWS, ULTRAFACE_FEATURES, type ReferenceView, type DecodedPhoto } from './ultraface/ultraface-reference.ts'
export { buildShipped } from './build-shipped.ts'
export { BUILDER_VERSION, STAMP_FILE } from './build-stamp.ts'
export { DEFAULT_SEED, type BuildOptions, type BuildProgress, type BuildReport } from './build-types.ts'
export { exportSequentialToOnnx, type OnnxExportOptions } from './onnx/export-sequential.ts'
export { loadGasSensorBatch, gasSensorFeatureNames, GAS_LABELS, GAS_FEATURE_COUNT } from './gas-sensor/load-batch.ts'
export { readBatches as readGasSensorBatches, gasSensorInputFiles } from './gas-sensor/gas-data.ts'
export { ModelBuildError, type ModelBuildErrorCode } from '../errors.ts'
export { gasTrainAndHoldout, gasBatch, shuffled as shuffledRows, windowsOf as rowWindows, columnOf as rowColumn, rowsAt, type GasRows } from './gas-sensor/replay-rows.ts'
export { retrainClassifier, RETRAIN_DEFAULTS } from '../retrain/retrain-classifier.ts'
export { retrainInWorker, type RetrainInWorkerOptions } from '../retrain/retrain-in-worker.ts'
export { evaluateClassifier } from '../retrain/evaluate-classifier.ts'
export { planMix, DEFAULT_MIX, type MixPolicy, type RowShape } from '../retrain/mix-policy.ts'
export { nextMinorVersion } from '../retrain/version-bump.ts'
export { RetrainError, type RetrainErrorCode } from '../errors.ts'
export { gasSensorReference, gasSensorBatchRows } from '../retrain/gas-sensor-rows.ts'
export {
  RETRAIN_STAGES,
  type RetrainOptions, type RetrainProgress, type RetrainStage, type RetrainResult, type MixSplit,
  type LabelledRow, type ReferenceRow, type EvaluationRow, type PackageSource, type ClassifierEvaluation, type ClassEvaluation,
} from '../retrain/retrain-types.ts'
export { importModel, IMPORT_STEPS, DEFAULT_TOLERANCE as IMPORT_DEFAULT_TOLERANCE, type ImportOptions, type ImportReport, type ImportStep } from '../import/import-model.ts'
export { parseImportSpec, readSpecFile, mergeSpec, ImportSpecSchema, type ImportSpec } from '../import/import-spec.ts'
export { ImportError, type ImportErrorCode, CsvTrainError, type CsvTrainErrorCode } from '../errors.ts'
export { trainCsv, TRAIN_CSV_STEPS, TRAIN_CSV_DEFAULTS, type TrainCsvOptions, type TrainCsvReport, type TrainCsvStep } from '../train-csv/train-csv.ts'
export { trainAndExportRegressor, type RegressorTrainingSet, type RegressorExport } from './train-and-export-regressor.ts'
