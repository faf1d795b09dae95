import { ErrorCodes, type DeployEvent, type DeployStep, type Desired, type ErrorCode, type Manifest, type ModelTarget } from '@edgefleet/protocol'
import type { InferenceBackend } from '../backends/backend.ts'
import type { BackendChoice } from '../backends/select.ts'
import { AgentError, type Logger } from '../errors.ts'
import type { ServedModel, ServedRef } from '../pipeline/model-slot.ts'
import type { DownloadOptions } from './download-file.ts'
import type { ModelStore } from './model-store.ts'
import { ACTIVATION_STEP_BODIES } from './activation-steps.ts'

/** The named steps of activating a model version, in order (a subset of the protocol's DEPLOY_STEPS). */
export const ACTIVATION_STEPS = ['received', 'download', 'verify-digest', 'verify-signature', 'load', 'self-test', 'swap', 'active'] as const satisfies readonly DeployStep[]
export type ActivationStep = (typeof ACTIVATION_STEPS)[number]

/** A proven package, handed to the host to serve. */
export interface ProvenPackage {
  manifest: Manifest
  backend: InferenceBackend
  dir: string
}

/** What the activation needs from the running agent: what it serves, and how to serve something else. */
export interface ModelHost {
  /** the model served now, and where its package lives */
  served(): { ref: ServedRef; dir?: string }
  /**
   * Builds the serving side of a proven package (its drift monitor is calibrated here, off the batch
   * path). Takes ownership of the backend. Throws AGENT_SWAP_FAILED when it cannot serve beside the
   * running sources (other features).
   */
  prepare(pkg: ProvenPackage): Promise<ServedModel>
  /** Serves `next` from the next batch on; resolves with the old model once its last batch has finished and it is retired. */
  swap(next: ServedModel): Promise<ServedModel>
  /** the shadow candidate running beside the served model, if any */
  shadow(): ServedRef | undefined
  /**
   * Runs a proven package beside the served model as the shadow candidate (taking ownership of its
   * backend; AGENT_SWAP_FAILED when it reads other features), replacing any earlier one; or, given
   * nothing, stops the candidate.
   */
  setShadow(pkg: ProvenPackage | undefined): Promise<void>
}

/** The agent-wide settings of activations. */
export interface ActivationContext {
  store: ModelStore
  host: ModelHost
  /** the hub's Ed25519 public key (PEM); without it every desired state is refused */
  publicKeyPem: string | undefined
  /** the device's credentials, sent as HTTP Basic auth to the hub's download URLs */
  credentials: { deviceId: string; secret: string }
  /** the largest ONNX file accepted, bytes */
  maxModelBytes: number
  backend: BackendChoice
  threads?: number
  /** retry and progress settings of downloads (tests shorten them) */
  download?: Pick<DownloadOptions, 'attempts' | 'backoff' | 'progressIntervalMs' | 'dispatcher'>
  now: () => number
  logger: Logger
}

/** Reports one step's state; the deployer turns it into a DeployEvent. */
export type StepReport = (step: ActivationStep, state: DeployEvent['state'], extra?: { progress?: number; code?: ErrorCode; message?: string }) => void

/** One activation in progress: the desired state, and what the steps found out so far. */
export interface ActivationJob {
  desired: Desired
  target: ModelTarget
  /** `shadow`: the same steps but `swap`; the `active` step starts the model beside the served one */
  role: 'active' | 'shadow'
  signal: AbortSignal
  report: StepReport
  /** the package directory (incoming, or installed) */
  dir?: string
  /** true while `dir` is the incoming directory (not yet verified and installed) */
  incoming?: boolean
  manifest?: Manifest
  onnxPath?: string
  backend?: InferenceBackend
  served?: ServedModel
  /** set by `received` when the target is what is served already */
  alreadyServed?: boolean
}

/** What a step body returns: a note for its `succeeded` event, and a step to jump to. */
export interface StepOutcome {
  message?: string
  skipTo?: ActivationStep
}

export type StepBody = (job: ActivationJob, ctx: ActivationContext) => Promise<StepOutcome | void>

/** Steps that report only their outcome (no `started`): instant ones. */
const OUTCOME_ONLY: ReadonlySet<ActivationStep> = new Set(['received', 'active'])

/**
 * Runs the activation steps in order, reporting each (a shadow candidate skips `swap`). A failure is reported as the step's `failed`
 * event with a coded reason and thrown (as an AgentError naming the step); whatever the job had
 * loaded is released, and the served model is untouched. An aborted job (superseded by a newer
 * desired state) stops between steps, or inside a download, before the swap; it throws the
 * signal's reason without a `failed` event.
 */
export async function runActivation(job: ActivationJob, ctx: ActivationContext): Promise<void> {
  let skipTo: ActivationStep | undefined
  for (const step of ACTIVATION_STEPS) {
    if ((skipTo && step !== skipTo) || (step === 'swap' && job.role === 'shadow')) continue
    skipTo = undefined
    if (ACTIVATION_STEPS.indexOf(step) <= ACTIVATION_STEPS.indexOf('swap') && job.signal.aborted) {
      await release(job)
      throw job.signal.reason
    }
    if (!OUTCOME_ONLY.has(step)) job.report(step, 'started')
    try {
      const outcome = await ACTIVATION_STEP_BODIES[step](job, ctx)
      job.report(step, 'succeeded', outcome?.message ? { message: outcome.message } : undefined)
      skipTo = outcome?.skipTo
    } catch (cause) {
      await release(job)
      if (job.signal.aborted && step !== 'swap' && step !== 'active') throw job.signal.reason
      const error = asStepError(cause, step)
      job.report(step, 'failed', { code: error.code as ErrorCode, message: error.message })
      throw error
    }
  }
}

/** Releases a session or serving side that was built but never swapped in. */
async function release(job: ActivationJob): Promise<void> {
  const { served, backend } = job
  job.served = undefined
  job.backend = undefined
  await served?.retire?.().catch(() => {})
  await backend?.close().catch(() => {})
}

const DEFAULT_CODE: Record<ActivationStep, ErrorCode> = {
  received: 'AGENT_STORAGE_FAILED',
  download: 'AGENT_DOWNLOAD_FAILED',
  'verify-digest': 'MODEL_DIGEST_MISMATCH',
  'verify-signature': 'AGENT_SIGNATURE_INVALID',
  load: 'MODEL_LOAD_FAILED',
  'self-test': 'MODEL_SELF_TEST_FAILED',
  swap: 'AGENT_SWAP_FAILED',
  active: 'AGENT_STORAGE_FAILED',
}

/** A wire code for any failure: the error's own when it has one, a file-system error as storage, else the step's. */
function asStepError(cause: unknown, step: ActivationStep): AgentError {
  const code = (cause as { code?: unknown } | null)?.code
  const message = (cause as Error | null)?.message ?? String(cause)
  if (typeof code === 'string' && (ErrorCodes as readonly string[]).includes(code)) return new AgentError(code as ErrorCode, message, { cause, step })
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new AgentError('AGENT_STORAGE_FAILED', `${message}: check free space and permissions of the state directory`, { cause, step })
  return new AgentError(DEFAULT_CODE[step], message, { cause, step })
}
