import { decodeManifest, MAX_MANIFEST_BYTES } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'
import type { ActivationContext, ActivationJob, ActivationStep, StepBody, StepOutcome } from './activation.ts'
import { fetchArtifact } from './artifact-fetch.ts'
import { chooseBackend, type BrowserBackend } from './backend-choice.ts'
import { detectorOf } from './detector.ts'
import { checkAuthority, sha256Hex } from './model-signature.ts'
import { createSession } from './ort-session.ts'
import { runSelfTest, timeOneRun } from './self-test.ts'

const describe = (t: { name: string; version: string }): string => `${t.name}@${t.version}`

async function received(job: ActivationJob, ctx: ActivationContext): Promise<StepOutcome | void> {
  const served = ctx.served()
  const { target } = job
  if (served && served.name === target.name && served.version === target.version && served.sha256 === target.sha256) {
    return { message: `${describe(target)} is already served`, skipTo: 'active' }
  }
}

async function download(job: ActivationJob, ctx: ActivationContext): Promise<StepOutcome> {
  const { target } = job
  const common = { credentials: ctx.credentials }
  const manifestBytes = await fetchArtifact({ ...common, url: target.manifestUrl, maxBytes: MAX_MANIFEST_BYTES, what: `the manifest of ${describe(target)}` })
  job.manifest = decodeManifest(manifestBytes)
  let reported = 0
  job.onnx = await fetchArtifact({
    ...common,
    url: target.url,
    size: target.size,
    maxBytes: ctx.maxModelBytes,
    what: `the ONNX file of ${describe(target)}`,
    onProgress: (received, total) => {
      if (performance.now() - reported < 500 || !total) return
      reported = performance.now()
      job.report('download', 'progress', { progress: received / total })
    },
  })
  return { message: `${job.onnx.byteLength} bytes` }
}

async function verifyDigest(job: ActivationJob): Promise<void> {
  const actual = await sha256Hex(job.onnx!)
  const { target } = job
  const manifest = job.manifest!
  if (actual === target.sha256 && manifest.model.sha256 === target.sha256) return
  const which = actual !== target.sha256 ? `the downloaded ONNX file has sha256 ${actual}` : `the manifest says sha256 ${manifest.model.sha256}`
  throw new AgentError('MODEL_DIGEST_MISMATCH', `${which}, but the desired state names ${target.sha256}: the file was altered on the way or on the hub; the device keeps its model`)
}

async function verifySignature(job: ActivationJob, ctx: ActivationContext): Promise<StepOutcome | void> {
  const { target } = job
  const m = job.manifest!
  if (m.name !== target.name || m.version !== target.version || m.model.sha256 !== target.sha256 || m.model.size !== target.size) {
    throw new AgentError('AGENT_TARGET_MISMATCH', `the hub's manifest describes ${describe(m)}, but the desired state names ${describe(target)}: the hub's registry is inconsistent; push the version again`)
  }
  const problem = await checkAuthority({ manifest: m, target, rollback: job.desired.rollback, served: ctx.served(), hub: ctx.hub, now: ctx.now() })
  if (problem) throw new AgentError(problem.code, problem.message)
  return { message: `signed by the hub's key ${ctx.hub.keyId} (checked with WebCrypto Ed25519)${job.desired.rollback ? ', a rollback' : ''}` }
}

/** Loads the model on WASM, and on WebGPU when this browser offers an adapter; a WebGPU failure is a trial, not a step failure. */
async function load(job: ActivationJob, ctx: ActivationContext): Promise<StepOutcome> {
  job.detector = detectorOf(job.manifest!)
  job.sessions.set('wasm', await createSession('wasm', job.onnx!))
  const notes = ['wasm loaded']
  const gpu = ctx.preference === 'wasm' ? { ok: false as const, why: 'not tried: this page asks for wasm (?backend=wasm)' } : await ctx.webgpu()
  if (!gpu.ok) {
    job.trials.push({ backend: 'webgpu', outcome: 'unavailable', why: gpu.why })
    notes.push(`webgpu unavailable: ${gpu.why}`)
  } else {
    try {
      job.sessions.set('webgpu', await createSession('webgpu', job.onnx!))
      notes.push(`webgpu loaded on ${gpu.name}`)
    } catch (err) {
      job.trials.push({ backend: 'webgpu', outcome: 'unavailable', why: `the model does not load on ${gpu.name}: ${(err as Error).message}` })
      notes.push(`webgpu failed to load: ${(err as Error).message}`)
    }
  }
  return { message: notes.join('; ') }
}

/** Runs the self-test vectors on every loaded backend, times a warm run, and keeps the one to serve on (WebGPU only when its outputs pass). */
async function selfTest(job: ActivationJob, ctx: ActivationContext): Promise<StepOutcome> {
  for (const backend of ['webgpu', 'wasm'] as const satisfies readonly BrowserBackend[]) {
    const session = job.sessions.get(backend)
    if (!session) continue
    try {
      const r = await runSelfTest(job.manifest!, session)
      // speed decides only between backends that both pass, and only when nobody asked for one
      const runMs = ctx.preference === 'auto' ? await timeOneRun(job.manifest!, session) : undefined
      job.trials.push({ backend, outcome: 'passed', vectors: r.vectors, maxAbsDiff: r.maxAbsDiff, ...(runMs === undefined ? {} : { runMs }) })
    } catch (err) {
      job.trials.push({ backend, outcome: 'failed', why: (err as Error).message })
    }
  }
  const choice = chooseBackend(job.trials, ctx.preference)
  if (choice.backend === null) throw new AgentError('MODEL_SELF_TEST_FAILED', choice.reason)
  const session = job.sessions.get(choice.backend)!
  for (const [backend, other] of job.sessions) if (backend !== choice.backend) await other.release().catch(() => undefined)
  job.sessions.clear()
  const m = job.manifest!
  job.proven = { manifest: m, ref: { name: m.name, version: m.version, sha256: m.model.sha256 }, detector: job.detector!, session, choice: { ...choice, backend: choice.backend }, trials: job.trials }
  return { message: `serving on ${choice.reason}` }
}

async function swap(job: ActivationJob, ctx: ActivationContext): Promise<StepOutcome> {
  const previous = ctx.served()
  const proven = job.proven!
  job.proven = undefined
  try {
    await ctx.swap(proven)
  } catch (cause) {
    await proven.session.release().catch(() => undefined)
    throw new AgentError('AGENT_SWAP_FAILED', `${describe(job.target)} cannot be served: ${(cause as Error).message}`, { cause })
  }
  return { message: previous ? `replaced ${describe(previous)}` : `serving the camera on ${proven.choice.backend}` }
}

async function active(): Promise<void> {}

/** The body of each activation step (see ACTIVATION_STEPS for the order). */
export const STEP_BODIES: Record<ActivationStep, StepBody> = {
  received,
  download,
  'verify-digest': verifyDigest,
  'verify-signature': verifySignature,
  load,
  'self-test': selfTest,
  swap,
  active,
}
