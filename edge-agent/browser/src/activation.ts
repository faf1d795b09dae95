import { ErrorCodes, type DeployEvent, type DeployStep, type Desired, type ErrorCode, type Manifest, type ModelTarget } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'
import type { BackendChoice, BackendPreference, BackendTrial, BrowserBackend } from './backend-choice.ts'
import type { Detector } from './detector.ts'
import type { HubKey, ServedRef } from './model-signature.ts'
import type { ModelSession } from './ort-session.ts'
import { STEP_BODIES } from './activation-steps.ts'

/** The named steps of activating a model version in the browser: the Node agent's, in the same order. */
export const ACTIVATION_STEPS = ['received', 'download', 'verify-digest', 'verify-signature', 'load', 'self-test', 'swap', 'active'] as const satisfies readonly DeployStep[]
export type ActivationStep = (typeof ACTIVATION_STEPS)[number]

/** A model that passed every step, ready to serve on the chosen backend. */
export interface ProvenModel {
  manifest: Manifest
  ref: ServedRef
  detector: Detector
  session: ModelSession
  choice: BackendChoice & { backend: BrowserBackend }
  trials: BackendTrial[]
}

/** What the activation needs from the page. */
export interface ActivationContext {
  credentials: { deviceId: string; secret: string }
  hub: HubKey
  /** the largest ONNX file accepted, bytes */
  maxModelBytes: number
  /** what is served now */
  served(): ServedRef | undefined
  /** serve `model` from the next frame on (the page releases the old session) */
  swap(model: ProvenModel): Promise<void>
  /** WebGPU's availability on this page */
  webgpu(): Promise<{ ok: true; name: string } | { ok: false; why: string }>
  /** the backend the person asked for (`/agent?backend=…`), or `auto` */
  preference: BackendPreference
  report(event: DeployEvent): void
  now(): number
}

/** One activation in progress: its desired state and what the steps found out so far. */
export interface ActivationJob {
  desired: Desired
  target: ModelTarget
  report(step: ActivationStep, state: DeployEvent['state'], extra?: { progress?: number; code?: ErrorCode; message?: string }): void
  manifest?: Manifest
  onnx?: Uint8Array<ArrayBuffer>
  detector?: Detector
  sessions: Map<BrowserBackend, ModelSession>
  trials: BackendTrial[]
  proven?: ProvenModel
}

/** What a step body returns: a note for its `succeeded` event, and a step to jump to. */
export interface StepOutcome {
  message?: string
  skipTo?: ActivationStep
}

export type StepBody = (job: ActivationJob, ctx: ActivationContext) => Promise<StepOutcome | void>

/** steps that report only their outcome (no `started`): instant ones */
const OUTCOME_ONLY: ReadonlySet<ActivationStep> = new Set(['received', 'active'])
const MAX_MESSAGE = 1024

const DEFAULT_CODE: Record<ActivationStep, ErrorCode> = {
  received: 'AGENT_TARGET_MISMATCH',
  download: 'AGENT_DOWNLOAD_FAILED',
  'verify-digest': 'MODEL_DIGEST_MISMATCH',
  'verify-signature': 'AGENT_SIGNATURE_INVALID',
  load: 'MODEL_LOAD_FAILED',
  'self-test': 'MODEL_SELF_TEST_FAILED',
  swap: 'AGENT_SWAP_FAILED',
  active: 'AGENT_SWAP_FAILED',
}

/**
 * Runs the activation steps for the desired state's active target, reporting each as a deploy event
 * (`started`, then `succeeded` with a note or `failed` with a coded reason). A failure releases what
 * the job loaded and leaves the served model untouched; it is thrown as an AgentError naming the step.
 */
export async function runActivation(desired: Desired, target: ModelTarget, ctx: ActivationContext): Promise<void> {
  const job: ActivationJob = {
    desired,
    target,
    sessions: new Map(),
    trials: [],
    report(step, state, extra = {}) {
      const message = extra.message && extra.message.length > MAX_MESSAGE ? `${extra.message.slice(0, MAX_MESSAGE - 1)}…` : extra.message
      ctx.report({
        type: 'deploy', ...(desired.rolloutId ? { rolloutId: desired.rolloutId } : {}), generation: desired.generation, role: 'active',
        model: { name: target.name, version: target.version }, step, state,
        ...(extra.progress !== undefined ? { progress: extra.progress } : {}), ...(extra.code ? { code: extra.code } : {}), ...(message ? { message } : {}),
      })
    },
  }
  let skipTo: ActivationStep | undefined
  for (const step of ACTIVATION_STEPS) {
    if (skipTo && step !== skipTo) continue
    skipTo = undefined
    if (!OUTCOME_ONLY.has(step)) job.report(step, 'started')
    try {
      const outcome = await STEP_BODIES[step](job, ctx)
      job.report(step, 'succeeded', outcome?.message ? { message: outcome.message } : undefined)
      skipTo = outcome?.skipTo
    } catch (cause) {
      await release(job)
      const code = (cause as { code?: unknown }).code
      const error = new AgentError(typeof code === 'string' && (ErrorCodes as readonly string[]).includes(code) ? (code as ErrorCode) : DEFAULT_CODE[step], (cause as Error).message, { cause, step })
      job.report(step, 'failed', { code: error.code as ErrorCode, message: error.message })
      throw error
    }
  }
}

/** Releases every session the job loaded and did not hand over. */
async function release(job: ActivationJob): Promise<void> {
  const sessions = [...job.sessions.values()]
  job.sessions.clear()
  await Promise.all(sessions.map((s) => s.release().catch(() => undefined)))
}
