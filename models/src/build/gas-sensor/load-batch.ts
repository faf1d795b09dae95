import { readFileSync } from 'node:fs'
import { ModelBuildError } from '../../errors.ts'

/** The six gases of the UCI Gas Sensor Array Drift data set, in class-index order. */
export const GAS_LABELS = ['Ethanol', 'Ethylene', 'Ammonia', 'Acetaldehyde', 'Acetone', 'Toluene'] as const

/** Number of sensors in the array and features per sensor (Vergara et al. 2012). */
export const GAS_SENSORS = 16
export const GAS_FEATURES_PER_SENSOR = 8
export const GAS_FEATURE_COUNT = GAS_SENSORS * GAS_FEATURES_PER_SENSOR

// Vergara et al.: steady-state resistance change ΔR, normalised |ΔR|, then exponential moving averages
// of the rising (i) and decaying (d) transient with α = 0.001, 0.01 and 0.1.
const PER_SENSOR = ['dr', 'dr_norm', 'ema_i_001', 'ema_i_01', 'ema_i_1', 'ema_d_001', 'ema_d_01', 'ema_d_1'] as const

/** The 128 feature names in the data set's column order: `s01_dr, s01_dr_norm, s01_ema_i_001, …, s16_ema_d_1`. */
export function gasSensorFeatureNames(): string[] {
  const names: string[] = []
  for (let s = 1; s <= GAS_SENSORS; s++) {
    const sensor = `s${String(s).padStart(2, '0')}`
    for (const feature of PER_SENSOR) names.push(`${sensor}_${feature}`)
  }
  return names
}

/** One batch CSV, features at full (float64) precision; the reference statistics are computed from these. */
export interface GasSensorBatchRaw {
  labels: string[]
  /** class index of each row in {@link GAS_LABELS} */
  classes: Int32Array
  concentration: Float64Array
  /** row-major n × 128 */
  features: Float64Array
  n: number
}

/**
 * Parses one batch CSV (no header: gas, concentration in ppmv, 128 features). Throws a ModelBuildError
 * `BUILD_DATA_INVALID` naming the line of the first malformed row.
 */
export function parseGasSensorCsv(text: string, source: string): GasSensorBatchRaw {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  const n = lines.length
  const labels: string[] = []
  const classes = new Int32Array(n)
  const concentration = new Float64Array(n)
  const features = new Float64Array(n * GAS_FEATURE_COUNT)
  lines.forEach((line, row) => {
    const cells = line.split(',')
    const where = `${source} line ${row + 1}`
    if (cells.length !== GAS_FEATURE_COUNT + 2) {
      throw new ModelBuildError('BUILD_DATA_INVALID', `${where} has ${cells.length} columns, expected ${GAS_FEATURE_COUNT + 2} (gas, concentration, 128 features): is this a gas-sensor-drift batch CSV?`)
    }
    const gas = cells[0]!.trim()
    const cls = (GAS_LABELS as readonly string[]).indexOf(gas)
    if (cls < 0) throw new ModelBuildError('BUILD_DATA_INVALID', `${where}: unknown gas ${JSON.stringify(gas)}; expected one of ${GAS_LABELS.join(', ')}`)
    labels.push(gas)
    classes[row] = cls
    concentration[row] = parseNumber(cells[1]!, where)
    for (let j = 0; j < GAS_FEATURE_COUNT; j++) features[row * GAS_FEATURE_COUNT + j] = parseNumber(cells[j + 2]!, where)
  })
  return { labels, classes, concentration, features, n }
}

function parseNumber(cell: string, where: string): number {
  const v = Number(cell)
  if (cell.trim() === '' || !Number.isFinite(v)) throw new ModelBuildError('BUILD_DATA_INVALID', `${where}: ${JSON.stringify(cell)} is not a number`)
  return v
}

/** Reads one batch CSV of the gas-sensor-drift data set; features as float32, row-major n × 128. */
export function loadGasSensorBatch(csvPath: string): { labels: string[]; concentration: Float64Array; features: Float32Array; n: number } {
  const raw = parseGasSensorCsv(readFileSync(csvPath, 'utf8'), csvPath)
  return { labels: raw.labels, concentration: raw.concentration, features: Float32Array.from(raw.features), n: raw.n }
}
