import { AgentError } from '../errors.ts'

/** How the columns of a CSV file map to the model's features, an id and a label. */
export interface ColumnPlan {
  /** for each model feature, the CSV column it comes from */
  featureColumns: Int32Array
  idColumn: number
  labelColumn: number
  width: number
}

export interface ColumnOptions {
  /** names for a file without a header; `*` stands for all the model's features in order */
  columns?: readonly string[]
  idColumn?: string
  labelColumn?: string
}

/** Expands `*` in a column list to the model's feature names. */
export function expandColumns(columns: readonly string[], features: readonly string[]): string[] {
  return columns.flatMap((c) => (c === '*' ? [...features] : [c.trim()]))
}

/** True when the first row looks like a header: it names at least one model feature or has non-numeric fields. */
export function looksLikeHeader(fields: readonly string[], features: readonly string[]): boolean {
  const names = new Set(features)
  if (fields.some((f) => names.has(f.trim()))) return true
  return fields.filter((f) => f.trim() !== '' && !Number.isFinite(Number(f))).length > fields.length / 2
}

/**
 * Plans the mapping from CSV columns to features. `names` are the header's (or --columns') names,
 * or null for a headerless file with no names: then the file must have exactly one column per feature.
 */
export function planColumns(names: readonly string[] | null, width: number, features: readonly string[], o: ColumnOptions, file: string): ColumnPlan {
  if (names === null) {
    if (width !== features.length) {
      throw new AgentError(
        'AGENT_USAGE',
        `${file} has ${width} columns and no header, but the model takes ${features.length} features. ` +
          `Name the columns with --columns (for example --columns label,concentration,* where * stands for the model's features in order).`,
      )
    }
    return { featureColumns: Int32Array.from(features, (_, i) => i), idColumn: -1, labelColumn: -1, width }
  }
  const position = new Map<string, number>()
  names.forEach((n, i) => position.set(n.trim(), i))
  const missing = features.filter((f) => !position.has(f))
  if (missing.length > 0) {
    throw new AgentError(
      'AGENT_FEATURE_MISSING',
      `${file} has no column for ${missing.length} of the model's features (${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''}). ` +
        'Check the header, or name the columns with --columns.',
    )
  }
  const find = (name: string | undefined, flag: string): number => {
    if (name === undefined) return -1
    const i = position.get(name)
    if (i === undefined) throw new AgentError('AGENT_USAGE', `${flag} ${name}: ${file} has no such column (columns: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`)
    return i
  }
  return {
    featureColumns: Int32Array.from(features, (f) => position.get(f)!),
    idColumn: find(o.idColumn, '--id-column'),
    labelColumn: find(o.labelColumn, '--label-column'),
    width: names.length,
  }
}
