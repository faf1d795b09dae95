import type { ImagePreprocessing } from '@edgefleet/protocol'
import type { SourceInput, SourceRecord } from '../sources/source.ts'
import { AgentError } from '../errors.ts'
import type { BatchOutput, ServingModel } from '../model/serving-model.ts'
import { ModelHealth } from './model-health.ts'
import { ShadowComparison, type ShadowCandidate } from './shadow.ts'

/** A model version as the status message names it. */
export interface ServedRef {
  name: string
  version: string
  sha256: string
}

/** A proven model ready to serve, with what follows it (its health figures, its drift monitor). */
export interface ServedModel {
  readonly model: ServingModel
  readonly ref: Readonly<ServedRef>
  readonly health: ModelHealth
  /** where this model's package lives (for logs and the store's pointer) */
  readonly dir?: string
  /** sees each batch this model inferred (its drift monitor); must not keep `output` */
  readonly observe?: (records: readonly SourceRecord[], output: BatchOutput) => void
  /** releases what the model holds (session, drift window) once no batch uses it any more */
  readonly retire?: () => Promise<void>
}

/** A served model whose session the caller owns: nothing is released when it is replaced. */
export function fixedModel(model: ServingModel): ServedModel {
  const m = model.manifest
  return { model, ref: { name: m.name, version: m.version, sha256: m.model.sha256 }, health: new ModelHealth() }
}

/**
 * Holds the model the pipeline serves, replaceable at a batch boundary: the consumer takes the
 * current model for each batch ({@link acquire}/{@link release}); {@link swap} makes the next batch
 * use the new one, waits until the batch in flight on the old one has finished, then retires it.
 * The sources were started for one model input, so a replacement must read exactly those features
 * (tabular) or frames prepared exactly the same way (image).
 */
export class ModelSlot {
  private active: ServedModel
  private candidate: ShadowCandidate | undefined
  private readonly inUse = new Map<ServedModel, number>()
  private readonly waiting = new Map<ServedModel, () => void>()
  private closed: Promise<void> | undefined

  /** what the running sources feed */
  readonly input: SourceInput
  /** an image model's preprocessing, which the running camera sources apply */
  readonly image: ImagePreprocessing | undefined

  constructor(initial: ServedModel, readonly features: readonly string[] = initial.model.features) {
    this.active = initial
    this.input = initial.model.input
    this.image = initial.model.image
  }

  /** The model the next batch runs on. */
  get current(): ServedModel {
    return this.active
  }

  /** The shadow candidate running beside the served model, if any. */
  get shadow(): ShadowCandidate | undefined {
    return this.candidate
  }

  /** Takes the shadow candidate for one batch, if there is one; give its `served` back with {@link release}. */
  acquireShadow(): ShadowCandidate | undefined {
    const c = this.candidate
    if (c) this.inUse.set(c.served, (this.inUse.get(c.served) ?? 0) + 1)
    return c
  }

  /**
   * Runs `next` beside the served model from the next batch on (replacing and retiring an earlier
   * candidate after its batch in flight), or removes the candidate. Throws AGENT_SWAP_FAILED when
   * `next` reads other features.
   */
  async setShadow(next: ServedModel | undefined): Promise<void> {
    if (next) this.check(next.model)
    if (next && this.closed) throw new AgentError('AGENT_SWAP_FAILED', 'the agent is stopping: the shadow model was not started', { step: 'active' })
    const old = this.candidate
    this.candidate = next ? { served: next, comparison: new ShadowComparison() } : undefined
    if (old) await this.retire(old.served)
  }

  /** Takes the current model for one batch; give it back with {@link release}. */
  acquire(): ServedModel {
    const m = this.active
    this.inUse.set(m, (this.inUse.get(m) ?? 0) + 1)
    return m
  }

  release(m: ServedModel): void {
    const n = (this.inUse.get(m) ?? 1) - 1
    if (n > 0) return void this.inUse.set(m, n)
    this.inUse.delete(m)
    this.waiting.get(m)?.()
  }

  /**
   * Throws AGENT_SWAP_FAILED when the running sources cannot feed `model`: a tabular model must read
   * the same features in the same order; an image model must prepare frames the same way (its drift
   * features may differ: it derives them from each frame itself).
   */
  check(model: ServingModel): void {
    const id = `${model.manifest.name}@${model.manifest.version}`
    const restart = 'restart the agent with the new model to serve it'
    if (model.input !== this.input) {
      throw new AgentError('AGENT_SWAP_FAILED', `${id} reads ${model.input === 'image' ? 'camera frames' : 'tabular readings'}, but the running sources feed ${this.input === 'image' ? 'camera frames' : 'tabular readings'}: ${restart}`, { step: 'swap' })
    }
    if (this.input === 'image') {
      const want = this.image!
      const got = model.image!
      const differs = (Object.keys(want) as (keyof ImagePreprocessing)[]).filter((k) => JSON.stringify(want[k]) !== JSON.stringify(got[k]))
      if (differs.length === 0) return
      throw new AgentError(
        'AGENT_SWAP_FAILED',
        `${id} prepares frames differently (${differs.map((k) => `${k} ${JSON.stringify(got[k])} instead of ${JSON.stringify(want[k])}`).join(', ')}), but the running camera sources prepare them for the served model: ${restart}`,
        { step: 'swap' },
      )
    }
    const want = this.features
    const got = model.features
    if (got.length === want.length && got.every((f, i) => f === want[i])) return
    const missing = want.filter((f) => !got.includes(f)).length
    const extra = got.filter((f) => !want.includes(f)).length
    const what = missing + extra === 0 ? 'the same features in another order' : `${got.length} features (${extra} new, ${missing} gone)`
    throw new AgentError(
      'AGENT_SWAP_FAILED',
      `${id} reads ${what}, but the running sources feed the ${want.length} features of the served model: ${restart}`,
      { step: 'swap' },
    )
  }

  /**
   * Serves `next` from the next batch on; resolves with the old model once the batch in flight on
   * it has finished and it is retired. Throws AGENT_SWAP_FAILED (nothing changes) when `next`'s
   * features differ, or when the slot is closed.
   */
  async swap(next: ServedModel): Promise<ServedModel> {
    this.check(next.model)
    if (this.closed) throw new AgentError('AGENT_SWAP_FAILED', 'the agent is stopping: the new model was not swapped in', { step: 'swap' })
    const old = this.active
    this.active = next
    await this.retire(old)
    return old
  }

  /** Retires the served model and the shadow candidate after the batch in flight (the end of a run). Idempotent. */
  close(): Promise<void> {
    const candidate = this.candidate?.served
    this.closed ??= Promise.all([this.retire(this.active), candidate && this.retire(candidate)]).then(() => undefined)
    return this.closed
  }

  private async retire(m: ServedModel): Promise<void> {
    if (this.inUse.has(m)) await new Promise<void>((resolve) => this.waiting.set(m, resolve))
    this.waiting.delete(m)
    await m.retire?.()
  }
}
