import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { ImportReport } from '@edgefleet/models/build'
import { UsageError } from './model-commands.ts'
import { Progress } from './progress.ts'
import { numberFlag, out, specFromFlags } from './model-import-flags.ts'

/** Flags of `edgefleet model import`, as commander hands them over. */
export interface ImportFlags {
  name?: string
  modelVersion?: string
  spec?: string
  reference?: string
  out?: string
  task?: string
  features?: string
  labels?: string
  labelColumn?: string
  idColumn?: string
  description?: string
  license?: string
  licenseFile?: string
  source?: string
  topK?: string
  resize?: string
  channels?: string
  layout?: string
  width?: string
  height?: string
  scale?: string
  mean?: string
  std?: string
  augment?: boolean
  classIndex?: string
  scoreThreshold?: string
  iouThreshold?: string
  maxDetections?: string
  windowSamples?: string
  windowSeconds?: string
  tolerance?: string
  seed?: string
  json?: boolean
}

/** `edgefleet model import <model.onnx>`: a model package around an ONNX file trained elsewhere. */
export function registerImportCommand(model: Command): void {
  model
    .command('import <model.onnx>')
    .description('build a model package around an ONNX file trained elsewhere (PyTorch, scikit-learn, Keras…): reads its inputs and outputs, computes drift reference statistics from --reference data, records self-test vectors, refuses what an agent cannot serve; then `model push` it')
    .option('--name <name>', 'model name: lower-case letters, digits, dashes (required here or in --spec)')
    .option('--model-version <semver>', 'version of the package (default 1.0.0)')
    .option('--spec <file>', 'JSON or YAML file with anything below (and outputs.<name>.role/labels, drift policy); flags override it')
    .option('--reference <path>', 'reference data for drift: a CSV or JSONL file of model inputs (tabular), or a folder of images (image models)')
    .option('--out <dir>', 'package directory to write (default ./<name>-<version>)')
    .option('--task <task>', 'classification | regression | detection (default: inferred from the outputs and labels)')
    .option('--features <names>', 'tabular: feature names in input order, comma-separated (default: the reference CSV\'s header)')
    .option('--labels <names>', 'class labels in output column order, comma-separated')
    .option('--label-column <name>', 'a reference CSV column that is not a feature (true labels)')
    .option('--id-column <name>', 'a reference CSV column that is not a feature (ids)')
    .option('--description <text>', 'one line about the model')
    .option('--license <text>', 'the model\'s licence, e.g. MIT')
    .option('--license-file <file>', 'ship this file as LICENSE in the package')
    .option('--source <text>', 'where the model comes from and what it was trained on (the manifest\'s training.data)')
    .option('--top-k <n>', 'classification: classes per prediction (default 1)')
    .option('--resize <mode>', 'image: stretch | letterbox | crop (default stretch)')
    .option('--channels <order>', 'image: rgb | bgr | gray (default rgb, gray for one channel)')
    .option('--layout <layout>', 'image: nchw | nhwc (default: from the shape)')
    .option('--width <px>', 'image: input width, for a model whose width is dynamic')
    .option('--height <px>', 'image: input height, for a model whose height is dynamic')
    .option('--scale <x>', 'image: x\' = (pixel · scale − mean) / std (default scale 1/255, mean 0, std 1)')
    .option('--mean <values>', 'image: per-channel mean, comma-separated (e.g. 127,127,127)')
    .option('--std <values>', 'image: per-channel std, comma-separated (e.g. 128,128,128)')
    .option('--augment', 'image reference: also use 25 crops and mirror images of each image (default when under 100 images)')
    .option('--no-augment', 'image reference: use each image once')
    .option('--class-index <n>', 'detection: score column meaning "object" (default 1, 0 with one column)')
    .option('--score-threshold <p>', 'detection: keep candidates scoring above this (default 0.5)')
    .option('--iou-threshold <p>', 'detection: NMS overlap (default 0.45)')
    .option('--max-detections <n>', 'detection: at most this many boxes per frame (default 100)')
    .option('--window-samples <n>', 'drift window: close after n readings (default 100; images 30)')
    .option('--window-seconds <s>', 'drift window: or s seconds after its first reading (default 60)')
    .option('--tolerance <x>', 'self-test tolerance per element (default 0.001)')
    .option('--seed <n>', 'seed of generated self-test inputs (default 42)')
    .option('--json', 'print the import report as JSON')
    .action(async (file: string, o: ImportFlags, command: Command) => {
      const { importModel, mergeSpec, parseImportSpec, readSpecFile, IMPORT_STEPS } = await import('@edgefleet/models/build')
      const base = o.spec ? await readSpecFile(o.spec) : {}
      const spec = parseImportSpec(mergeSpec(base, specFromFlags(o, command)), o.spec ? `${o.spec} (with the flags over it)` : 'the spec given by the flags')
      const outDir = o.out ?? `${spec.name}-${spec.version ?? '1.0.0'}`
      const seed = numberFlag(o.seed, '--seed')
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be an integer')
      const progress = new Progress(!o.json)
      let report: ImportReport
      try {
        report = await importModel({
          model: file,
          spec,
          outDir,
          ...(o.reference ? { reference: o.reference } : {}),
          ...(o.licenseFile ? { extraFiles: { LICENSE: await readFile(o.licenseFile) } } : {}),
          ...(seed !== undefined ? { seed } : {}),
          onStep: (step) => progress.update('import', IMPORT_STEPS.indexOf(step) + 1, IMPORT_STEPS.length, step),
          onProgress: (p) => progress.update(p.stage, p.done, p.total, p.message ?? ''),
        })
      } finally {
        progress.stop()
      }
      out(o.json ? JSON.stringify(report, null, 2) : formatImport(report))
    })
}

function formatImport(r: ImportReport): string {
  const input = r.input
  const pre = input.preprocessing
  const how = pre.type === 'image'
    ? `image ${pre.width}×${pre.height} ${pre.channels} ${pre.layout}, ${pre.resize}, (x·${+pre.scale.toPrecision(4)} − [${pre.mean.join(', ')}]) / [${pre.std.join(', ')}]`
    : `${input.features?.length ?? 0} features${pre.type === 'standardize' ? ', standardised' : ''} (${(input.features ?? []).slice(0, 4).map((f) => f.name).join(', ')}${(input.features?.length ?? 0) > 4 ? ', …' : ''})`
  const lines = [
    `imported ${r.name}@${r.version} into ${r.dir} (model sha256 ${r.sha256.slice(0, 12)}…)`,
    `  task       ${r.task}`,
    `  input      ${input.name} [${input.shape.join(', ')}]: ${how}`,
    ...r.outputs.map((x, i) => `  ${i === 0 ? 'outputs   ' : '          '} ${x.name} ${x.dtype} [${x.shape.join(', ')}] ${x.role}${x.labels ? ` (${x.labels.slice(0, 6).join(', ')}${x.labels.length > 6 ? ', …' : ''})` : ''}`),
    `  reference  ${r.referenceSamples > 0 ? `${r.referenceSamples} samples` : 'none (no drift monitoring)'}`,
    `  self-test  ${r.selfTestVectors} vectors`,
  ]
  if (r.notes.length > 0) lines.push('  decided on its own (check these):', ...r.notes.map((n) => `    - ${n}`))
  lines.push(`next: edgefleet model push ${r.dir}   (or --hub http://<hub>:8080 with EDGEFLEET_TOKEN)`)
  return lines.join('\n')
}
