import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { parse as parseYaml } from 'yaml'
import { DriftPolicyFields, ModelName, SemVer } from '@edgefleet/protocol'
import { ImportError } from '../errors.ts'

const Numbers = Type.Array(Type.Number(), { minItems: 1, maxItems: 4096 })

/** What the ONNX file cannot say about its image input (size and layout come from its shape when fixed). */
const ImageSpec = Type.Object(
  {
    /** resize: stretch to the input size, letterbox (keep aspect, pad black) or centre-crop (default stretch) */
    resize: Type.Optional(Type.Union([Type.Literal('stretch'), Type.Literal('letterbox'), Type.Literal('crop')])),
    /** channel order the model expects (default rgb; gray for one channel) */
    channels: Type.Optional(Type.Union([Type.Literal('rgb'), Type.Literal('bgr'), Type.Literal('gray')])),
    /** tensor layout, when the shape does not tell (a channel dimension of 1 or 3 second or last) */
    layout: Type.Optional(Type.Union([Type.Literal('nchw'), Type.Literal('nhwc')])),
    /** input size for a model whose height and width are dynamic */
    width: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
    height: Type.Optional(Type.Integer({ minimum: 1, maximum: 8192 })),
    /** per channel: x' = (x · scale − mean) / std with x in 0..255 (defaults 1/255, 0, 1: pixels in 0..1) */
    scale: Type.Optional(Type.Number()),
    mean: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 4 })),
    std: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1, maxItems: 4 })),
    /** cut 26 views (crops, mirror) from each reference image; default: on when there are fewer than 100 images */
    augment: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

const OutputSpec = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('probabilities'), Type.Literal('logits'), Type.Literal('value'), Type.Literal('scores'), Type.Literal('boxes')])),
    labels: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 1000 })),
  },
  { additionalProperties: false },
)

/**
 * The import spec: everything `edgefleet model import` needs that the ONNX file does not say, from a
 * JSON or YAML file (`--spec`) and flags (flags win). Only `name` is required; the rest is inferred from
 * the graph and the reference data where it can be, and the report says what was inferred.
 */
export const ImportSpecSchema = Type.Object(
  {
    name: ModelName,
    /** semantic version (default 1.0.0) */
    version: Type.Optional(SemVer),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    license: Type.Optional(Type.String({ maxLength: 256 })),
    /** default: detection with a scores and a boxes output; classification with labels or probability outputs; else regression */
    task: Type.Optional(Type.Union([Type.Literal('classification'), Type.Literal('regression'), Type.Literal('detection')])),
    /** where the model comes from, in words (training.data of the manifest) */
    source: Type.Optional(Type.String({ maxLength: 1024 })),
    /** the framework it was trained and exported with (training.library), e.g. "PyTorch 2.3 → ONNX" */
    library: Type.Optional(Type.String({ maxLength: 128 })),
    input: Type.Optional(
      Type.Object(
        {
          /** tabular or image (default: rank 2 is tabular, rank 4 image) */
          kind: Type.Optional(Type.Union([Type.Literal('tabular'), Type.Literal('image')])),
          /** tabular: one name per element of the last dimension, in order (default: the reference CSV's header) */
          features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 4096 })),
          /** tabular: the scaler the model was trained behind, applied by the agent: x' = (x − mean) / std */
          standardize: Type.Optional(Type.Object({ mean: Numbers, std: Numbers }, { additionalProperties: false })),
          image: Type.Optional(ImageSpec),
        },
        { additionalProperties: false },
      ),
    ),
    /** per graph output name: its role and labels (default: inferred from names, shapes and values) */
    outputs: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), OutputSpec)),
    /** class labels of the main output, in column order (shorthand for outputs.<main>.labels) */
    labels: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 1000 })),
    /** classification: how many classes a prediction names (default 1) */
    topK: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** detection: which score column means "object", and the thresholds (defaults 1, 0.5, 0.45, 100) */
    detection: Type.Optional(
      Type.Object(
        {
          classIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
          scoreThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          iouThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          maxDetections: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** reference data: which CSV/JSONL columns are not features */
    reference: Type.Optional(
      Type.Object(
        {
          labelColumn: Type.Optional(Type.String({ minLength: 1 })),
          idColumn: Type.Optional(Type.String({ minLength: 1 })),
          /** read at most this many rows (default 5000) */
          maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** the agent's drift window and, optionally, how drift is judged (docs/DRIFT.md) */
    drift: Type.Optional(
      Type.Object(
        {
          windowSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
          ...DriftPolicyFields.properties,
        },
        { additionalProperties: false },
      ),
    ),
    selfTest: Type.Optional(
      Type.Object(
        {
          /** absolute tolerance per element (default 1e-3) */
          tolerance: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          /** vectors from reference inputs (default 4) */
          vectors: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export type ImportSpec = Static<typeof ImportSpecSchema>

const check = Compile(ImportSpecSchema)

/**
 * Validates a spec (the file's content with the flags merged over it) and returns it typed and frozen.
 * Every violation is reported in one IMPORT_SPEC_INVALID error.
 */
export function parseImportSpec(value: unknown, where = 'the import spec'): Readonly<ImportSpec> {
  if (check.Check(value)) return Object.freeze(value)
  const problems = [...new Set([...check.Errors(value)].map((e) => `  ${e.instancePath || '/'}: ${e.message}`))]
  throw new ImportError('IMPORT_SPEC_INVALID', `${where} is not valid:\n${problems.slice(0, 20).join('\n')}`)
}

/** Reads a spec file: YAML for `.yaml`/`.yml`, JSON otherwise. Not validated yet: merge the flags, then {@link parseImportSpec}. */
export async function readSpecFile(path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ImportError('IMPORT_SPEC_INVALID', `cannot read the spec file ${path}: ${(cause as Error).message}`, { cause })
  }
  let value: unknown
  try {
    value = /\.ya?ml$/i.test(extname(path)) ? parseYaml(text) : JSON.parse(text)
  } catch (cause) {
    throw new ImportError('IMPORT_SPEC_INVALID', `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(cause as Error).message}`, { cause })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ImportError('IMPORT_SPEC_INVALID', `${path} must hold an object (name, version, input, outputs, …)`)
  }
  return value as Record<string, unknown>
}

/**
 * Merges `over` into `base` recursively: objects merge key by key, anything else (arrays included)
 * replaces; `undefined` values in `over` are skipped, so unset flags leave the file's values alone.
 */
export function mergeSpec(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(compact(over))) {
    if (value === undefined) continue
    const current = out[key]
    out[key] = isPlainObject(value) && isPlainObject(current) ? mergeSpec(current, value) : value
  }
  return out
}

/** `value` without undefined entries and without objects left empty by removing them (unset flags). */
function compact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue
    if (isPlainObject(v)) {
      const inner = compact(v)
      if (Object.keys(inner).length > 0) out[key] = inner
    } else out[key] = v
  }
  return out
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
