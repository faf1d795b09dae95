import type { ModelHost, ProvenPackage } from '../deploy/activation.ts'
import type { Logger } from '../errors.ts'
import type { ModelSlot, ServedModel } from '../pipeline/model-slot.ts'

/** Options of {@link slotHost}. */
export interface SlotHostOptions {
  /** makes a proven package servable (with its drift monitor) */
  serve: (pkg: ProvenPackage) => Promise<ServedModel>
  /** makes a proven package a shadow candidate (no drift monitor: its outputs are only compared) */
  serveShadow: (pkg: ProvenPackage) => Promise<ServedModel>
  logger: Logger
  /** runs once a new model (or shadow candidate) serves: the agent re-publishes its status */
  onSwapped?: () => void
}

/**
 * The running pipeline as activations see it: what the slot serves, how a proven package becomes
 * a served model, the swap at a batch boundary, and the shadow candidate beside it.
 */
export function slotHost(slot: ModelSlot, o: SlotHostOptions): ModelHost {
  return {
    served: () => ({ ref: slot.current.ref, dir: slot.current.dir }),
    prepare: o.serve,
    async swap(next) {
      const swapping = slot.swap(next)
      // slot.swap switches synchronously (or throws); the promise waits for the old model's last batch
      if (slot.current === next) {
        o.logger.info({ model: `${next.ref.name}@${next.ref.version}`, dir: next.dir }, 'serving the new model from the next batch on')
        o.onSwapped?.()
      }
      return swapping
    },
    shadow: () => slot.shadow?.served.ref,
    async setShadow(pkg) {
      if (!pkg) return slot.setShadow(undefined)
      let candidate: ServedModel
      try {
        candidate = await o.serveShadow(pkg)
      } catch (err) {
        await pkg.backend.close()
        throw err
      }
      try {
        await slot.setShadow(candidate)
      } catch (err) {
        await candidate.retire?.()
        throw err
      }
      o.logger.info({ model: `${candidate.ref.name}@${candidate.ref.version}` }, 'running a shadow model beside the served one')
      o.onSwapped?.()
    },
  }
}
