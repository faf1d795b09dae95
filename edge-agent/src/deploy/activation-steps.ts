import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { MANIFEST_FILE, readPackage, sha256File } from '@edgefleet/models'
import { decodeManifest, MAX_MANIFEST_BYTES } from '@edgefleet/protocol'
import { createBackend } from '../backends/select.ts'
import { AgentError } from '../errors.ts'
import { runSelfTest } from '../model/self-test.ts'
import type { ActivationContext, ActivationJob, ActivationStep, StepBody } from './activation.ts'
import { checkAuthority, checkTargetMatch, isServed } from './deploy-policy.ts'
import { downloadFile } from './download-file.ts'

const describe = (t: { name: string; version: string }): string => `${t.name}@${t.version}`

async function received(job: ActivationJob, ctx: ActivationContext) {
  if (!ctx.publicKeyPem) {
    throw new AgentError('AGENT_SIGNATURE_INVALID', `cannot check the hub's signature on ${describe(job.target)}: this agent has no hub public key; start it with --hub-public-key FILE (or $EDGEFLEET_HUB_PUBLIC_KEY_FILE), the key \`edgefleet device add\` prints`)
  }
  // recorded first: a crash from here on resumes this activation on the next start
  await ctx.store.update({ pending: job.desired })
  const current = job.role === 'shadow' ? ctx.host.shadow() : ctx.host.served().ref
  if (isServed(job.target, current)) {
    job.alreadyServed = true
    return { message: `${describe(job.target)} is already ${job.role === 'shadow' ? 'the shadow model' : 'served'}`, skipTo: 'active' as const }
  }
}

async function download(job: ActivationJob, ctx: ActivationContext) {
  const { target } = job
  const installed = await ctx.store.findInstalled(target)
  if (installed) {
    job.dir = installed
    return { message: `${describe(target)} is on disk (${installed}): not downloaded` }
  }
  const dir = ctx.store.incomingDir(target)
  job.dir = dir
  job.incoming = true
  await mkdir(dir, { recursive: true })
  const auth = { authorization: `Basic ${Buffer.from(`${ctx.credentials.deviceId}:${ctx.credentials.secret}`).toString('base64')}` }
  const common = { headers: auth, signal: job.signal, ...ctx.download }
  await downloadFile({ ...common, url: target.manifestUrl, dest: join(dir, MANIFEST_FILE), maxBytes: MAX_MANIFEST_BYTES, what: `the manifest of ${describe(target)}` })
  const manifest = decodeManifest(await readFile(join(dir, MANIFEST_FILE)))
  const result = await downloadFile({
    ...common,
    url: target.url,
    dest: join(dir, manifest.model.file),
    size: target.size,
    maxBytes: ctx.maxModelBytes,
    what: `the ONNX file of ${describe(target)}`,
    onProgress: (received, total) => job.report('download', 'progress', { progress: total ? received / total : 0 }),
  })
  const resumed = result.resumedFrom > 0 ? `, resumed from byte ${result.resumedFrom}` : ''
  return { message: `${result.bytes} bytes in ${result.requests} request(s)${resumed}` }
}

async function verifyDigest(job: ActivationJob) {
  const pkg = await readPackage(job.dir!)
  job.manifest = pkg.manifest
  job.onnxPath = pkg.onnxPath
  const actual = await sha256File(pkg.onnxPath)
  const { target } = job
  if (actual === target.sha256 && pkg.manifest.model.sha256 === target.sha256) return
  // a corrupt download must not be resumed or reused: the next attempt fetches it afresh
  if (job.incoming) await rm(pkg.onnxPath, { force: true })
  const which = actual !== target.sha256 ? `the downloaded ONNX file has sha256 ${actual}` : `the manifest says sha256 ${pkg.manifest.model.sha256}`
  throw new AgentError('MODEL_DIGEST_MISMATCH', `${which}, but the desired state names ${target.sha256}: the file was altered on the way or on the hub; the device keeps its model`)
}

async function verifySignature(job: ActivationJob, ctx: ActivationContext) {
  const manifest = job.manifest!
  const problem = checkTargetMatch(manifest, job.target) ?? checkAuthority({
    manifest,
    target: job.target,
    rollback: job.desired.rollback,
    // a shadow candidate replaces nothing: any signed version may run beside the served one
    served: job.role === 'shadow' ? undefined : ctx.host.served().ref,
    publicKeyPem: ctx.publicKeyPem!,
    now: ctx.now(),
  })
  if (problem) throw new AgentError(problem.code, problem.message)
  if (!job.incoming) return { message: job.desired.rollback ? 'signed rollback' : undefined }
  job.dir = await ctx.store.install(job.target)
  job.onnxPath = join(job.dir, manifest.model.file)
  job.incoming = false
  return { message: `installed in ${job.dir}` }
}

async function load(job: ActivationJob, ctx: ActivationContext) {
  const onnx = await readFile(job.onnxPath!)
  job.backend = await createBackend(ctx.backend, onnx, { threads: ctx.threads })
  return { message: `on the ${job.backend.kind} backend` }
}

async function selfTest(job: ActivationJob) {
  const result = await runSelfTest(job.manifest!, job.backend!)
  return { message: `${result.vectors} vector(s) passed` }
}

async function swap(job: ActivationJob, ctx: ActivationContext) {
  const pkg = { manifest: job.manifest!, backend: job.backend!, dir: job.dir! }
  try {
    job.served = await ctx.host.prepare(pkg)
    job.backend = undefined
  } catch (cause) {
    if (cause instanceof AgentError && cause.code === 'AGENT_SWAP_FAILED') throw cause
    throw new AgentError('AGENT_SWAP_FAILED', `${describe(job.target)} cannot be served: ${(cause as Error).message}`, { cause })
  }
  const next = job.served
  const old = await ctx.host.swap(next)
  job.served = undefined
  const { store } = ctx
  const previous = old.dir ? store.entry(old.ref, old.dir) : store.pointer.current
  // the pointer moves after the swap: a kill before this line restarts on the old model, which is valid;
  // the desired state stays pending (the deployer clears it) until its shadow candidate is handled too
  await store.update({ current: store.entry(next.ref, job.dir!), previous })
  return { message: `replaced ${describe(old.ref)}` }
}

async function active(job: ActivationJob, ctx: ActivationContext) {
  if (job.alreadyServed) return
  const { store } = ctx
  if (job.role === 'shadow') {
    const pkg = { manifest: job.manifest!, backend: job.backend!, dir: job.dir! }
    job.backend = undefined // the host owns it now, even when it refuses it
    await ctx.host.setShadow(pkg)
    await store.update({ shadow: store.entry(job.target, job.dir!) })
    await store.prune()
    return { message: `running beside ${describe(ctx.host.served().ref)} on the same inputs; its outputs are compared, never served` }
  }
  await store.prune()
  const previous = store.pointer.previous
  return { message: previous ? `${describe(previous)} kept on disk for rollback` : undefined }
}

/** The body of each activation step (see ACTIVATION_STEPS for the order and runActivation for the rules). */
export const ACTIVATION_STEP_BODIES: Record<ActivationStep, StepBody> = {
  received,
  download,
  'verify-digest': verifyDigest,
  'verify-signature': verifySignature,
  load,
  'self-test': selfTest,
  swap,
  active,
}
