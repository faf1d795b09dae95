import { join } from 'node:path'
import fp from 'fastify-plugin'
import { REPO_ROOT } from '@edgefleet/models'
import type { DriftPolicy } from '@edgefleet/models/drift'
import { DriftEngine } from '../drift/drift-engine.ts'
import { DriftHistory } from '../drift/drift-history.ts'
import { firstOf, PackageDirReferences, RegistryReferences, type ReferenceSource } from '../drift/model-references.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** judges device drift windows and raises/clears alerts: `app.drift.ingest(summary)` */
    drift: DriftEngine
  }
}

export interface DriftOptions {
  /** model package directories besides the shipped packages */
  modelDirs: readonly string[]
  /** fleet windows are judged this often */
  fleetSeconds: number
  policies: Readonly<Record<string, Partial<DriftPolicy>>>
  /** where reference statistics come from (tests); default: `modelDirs` and the shipped packages */
  references?: ReferenceSource | undefined
}

/** Where the repository's own model builds land (`edgefleet model build`). */
const SHIPPED_PACKAGES = join(REPO_ROOT, 'models', 'packages')

/**
 * The drift engine. Registered before the broker, whose ingest hands it every fresh drift window;
 * alerts go to `app.alerts`, looked up when the first alert is emitted (that plugin comes later, as it
 * publishes through the broker); every judged window's statistics go to `app.telemetry` (a failed
 * write is logged, counted and retried, and never holds up alerts: see `drift-history.ts`). Restores
 * raised alerts from the registry, and judges fleet windows on a timer from `onReady` until the app closes.
 */
export const driftPlugin = fp<DriftOptions>(async (app, o) => {
  const history = new DriftHistory({
    store: app.telemetry,
    logger: app.log,
    observe: (outcome, windows) => app.metrics?.driftHistoryFailed(outcome, windows),
  })
  const engine = new DriftEngine({
    // versions pushed to the registry first, then package directories (the shipped packages last)
    references: o.references ?? firstOf([new RegistryReferences(app.registry), new PackageDirReferences([...o.modelDirs, SHIPPED_PACKAGES], app.log)]),
    alerts: { emit: (alert) => app.alerts.emit(alert) },
    policies: o.policies,
    logger: app.log,
    observe: (scope, outcome, seconds) => app.metrics?.observeDrift(scope, outcome, seconds),
    onVerdict: (r) => history.record(r),
  })
  engine.restore(await app.registry.openAlerts())
  app.decorate('drift', engine)
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      // with several hub instances only the leader judges fleet windows (of the device windows it received)
      if (app.hasDecorator('leader') && !app.leader.isLeader()) return
      running = engine.evaluateFleet().catch((err: Error) => app.log.error({ err: err.message }, 'fleet drift evaluation failed'))
    }, o.fleetSeconds * 1000)
    timer.unref()
  })
  app.addHook('preClose', async () => {
    clearInterval(timer)
    await running
    // before the stores close (onClose)
    await history.flush()
  })
}, { name: 'drift', dependencies: ['stores'] })
