import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { DesiredService } from '../deployments/desired-service.ts'
import type { DeviceHealth } from '../deployments/device-health.ts'
import { HubError } from '../errors.ts'
import type { RolloutRow } from '../registry/deployment-store.ts'
import type { RegistryStore } from '../registry/registry-store.ts'
import {
  abort, createRollout, FINAL_STATES, pause, resume, rollback, step,
  type Rollout, type RolloutAction, type RolloutFacts, type RolloutSpec, type StepResult,
} from './policy/index.ts'
import type { TelemetryStore } from '../telemetry/telemetry-store.ts'
import { ConfidenceReader } from './confidence.ts'
import { activeSince, controlDevices, fleetDevices, rolloutFacts, type Baseline } from './rollout-facts.ts'

/** A rollout as stored: the machine's state and the engine's baselines. */
export interface StoredRollout {
  rollout: Rollout
  baselines: Record<string, Baseline>
}

export interface RolloutEngineOptions {
  registry: RegistryStore
  desired: DesiredService
  health: DeviceHealth
  /** stored predictions: the confidence-drop gate compares each device's mean confidence before and after */
  telemetry: TelemetryStore
  logger: FastifyBaseLogger
  /** how often running rollouts are stepped, ms (default 1000) */
  tickMs?: number
  now?: () => number
  /** called after a rollout's stored state changed (created, stepped, commanded) */
  onChange?: (id: string) => void
}

/** The operator's commands besides create. */
export type RolloutCommand = 'pause' | 'resume' | 'abort' | 'rollback'
const COMMANDS: Record<RolloutCommand, (r: Rollout, now: number, reason?: string) => StepResult> = { pause, resume, abort, rollback }

/**
 * Runs rollouts: steps every unfinished one on a timer with fresh facts (devices, their health and
 * activation reports, open drift alerts), carries out the machine's actions through the desired-state
 * service, and stores the rollout after every change, so a restarted hub carries on where it was.
 * Commands and ticks run one at a time.
 */
export class RolloutEngine {
  private timer: NodeJS.Timeout | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private readonly now: () => number
  /** by rollout id */
  private readonly confidence = new Map<string, ConfidenceReader>()

  constructor(private readonly o: RolloutEngineOptions) {
    this.now = o.now ?? Date.now
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick().catch((err: Error) => this.o.logger.error({ err: err.message }, 'rollout step failed; retrying on the next tick')), this.o.tickMs ?? 1000)
    this.timer.unref()
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.queue.catch(() => {})
  }

  /** Creates a rollout of a registered version and takes its first step at once. */
  create(spec: Omit<RolloutSpec, 'id' | 'previousVersion'>, by: string | null): Promise<StoredRollout> {
    return this.serial(async () => {
      const { name, version } = spec.model
      if (!(await this.o.registry.getModelVersion(name, version))) {
        throw new HubError('HUB_MODEL_NOT_FOUND', `${name}@${version} is not registered: push it first (edgefleet model push <package-dir>)`)
      }
      const running = (await this.o.registry.listRollouts({ model: name })).find((r) => !FINAL_STATES.has(r.state as Rollout['state']))
      if (running) throw new HubError('HUB_ROLLOUT_CONFLICT', `rollout ${running.id} of ${name}@${running.version} is ${running.state}: abort it (edgefleet rollout abort ${running.id}) or wait for it to finish`)
      const now = this.now()
      const id = `${name}-${version}-${randomBytes(3).toString('hex')}`
      const rollout = createRollout({ ...spec, id, previousVersion: await this.commonVersion(name) }, now)
      const stored: StoredRollout = { rollout, baselines: {} }
      await this.save(stored, now)
      this.o.logger.info({ rollout: id, by }, `rollout created: ${rollout.history[0]!.message}`)
      return this.advance(stored)
    })
  }

  /** pause, resume, abort or roll back one rollout (rolling back every device it updated). */
  command(id: string, command: RolloutCommand, reason: string | undefined, by: string | null): Promise<StoredRollout> {
    return this.serial(async () => {
      const stored = await this.load(id)
      const result = COMMANDS[command](stored.rollout, this.now(), reason ?? `${command === 'rollback' ? 'rolled back' : `${command}d`} by ${by ?? 'an operator'}`)
      this.o.logger.info({ rollout: id, command, by }, `rollout ${command}`)
      const next = { ...stored, rollout: result.rollout }
      await this.carryOut(next, result.actions)
      await this.save(next, this.now())
      return command === 'resume' ? this.advance(next) : next
    })
  }

  async get(id: string): Promise<StoredRollout | null> {
    const row = await this.o.registry.getRollout(id)
    return row ? (row.body as StoredRollout) : null
  }

  async list(filter: { model?: string; states?: readonly string[]; limit?: number } = {}): Promise<StoredRollout[]> {
    return (await this.o.registry.listRollouts(filter)).map((r) => r.body as StoredRollout)
  }

  /** The facts the machine sees now for one rollout (also for views: progress per wave, gate verdicts). */
  async facts(stored: StoredRollout): Promise<RolloutFacts> {
    const r = stored.rollout
    const [devices, deployments, openAlerts] = await Promise.all([
      this.o.registry.listDevices(), this.o.registry.listDeployments({ rolloutId: r.id }), this.o.registry.openAlerts(),
    ])
    const sources = { devices, deployments, openAlerts, health: (id: string) => this.o.health.get(id), baselines: stored.baselines }
    const fleet = fleetDevices(r, sources)
    const updated = activeSince(r, deployments)
    let reader = this.confidence.get(r.id)
    if (!reader) this.confidence.set(r.id, (reader = new ConfidenceReader(this.o.telemetry, this.now)))
    if (FINAL_STATES.has(r.state)) this.confidence.delete(r.id)
    if (updated.length > 0) {
      await reader.refresh(updated, controlDevices(r, fleet))
        .catch((err: Error) => this.o.logger.warn({ rollout: r.id, err: err.message }, 'cannot read confidences from telemetry; the confidence gate waits'))
    }
    return rolloutFacts(r, { ...sources, confidence: (id) => reader.pair(id) }, fleet)
  }

  /** Steps every unfinished rollout once. */
  tick(): Promise<void> {
    return this.serial(async () => {
      for (const row of await this.o.registry.listRollouts({ states: ['shadow', 'rolling', 'soaking'] })) {
        await this.advance(row.body as StoredRollout)
      }
    })
  }

  private async advance(stored: StoredRollout): Promise<StoredRollout> {
    const before = JSON.stringify(stored.rollout)
    const result = step(stored.rollout, await this.facts(stored), this.now())
    if (result.actions.length === 0 && JSON.stringify(result.rollout) === before) return stored
    const next = { ...stored, rollout: result.rollout }
    await this.carryOut(next, result.actions)
    await this.save(next, this.now())
    return next
  }

  private async carryOut(s: StoredRollout, actions: readonly RolloutAction[]): Promise<void> {
    const r = s.rollout
    const record = await this.o.registry.getModelVersion(r.model.name, r.model.version)
    for (const a of actions) {
      if (a.type === 'notify') {
        this.o.logger.info({ rollout: r.id, event: a.event }, a.message)
      } else if (a.type === 'assign') {
        for (const id of a.deviceIds) {
          s.baselines[id] ??= this.baseline(id, r.model.name)
          await this.o.desired.assign(id, a.role === 'active' ? { active: record, rollback: false, rolloutId: r.id } : { shadow: record, rolloutId: r.id })
        }
      } else if (a.type === 'clear-shadow') {
        for (const id of a.deviceIds) await this.o.desired.assign(id, { shadow: null })
      } else {
        for (const id of a.deviceIds) await this.rollBack(r, id, a.previous[id] ?? s.baselines[id]?.version ?? null)
      }
    }
  }

  /** Sends one device back to the version it ran before (signed rollback), or just stops its shadow. */
  private async rollBack(r: Rollout, id: string, version: string | null): Promise<void> {
    if (r.assignments[id]?.role === 'shadow') return void (await this.o.desired.assign(id, { shadow: null }))
    const previous = version === null ? null : await this.o.registry.getModelVersion(r.model.name, version)
    if (!previous) {
      this.o.logger.error({ rollout: r.id, deviceId: id, version }, `cannot roll ${id} back: ${version === null ? 'the version it ran before is unknown' : `${r.model.name}@${version} is not registered`}; it keeps the candidate`)
      return
    }
    await this.o.desired.assign(id, { active: previous, shadow: null, rollback: true, rolloutId: r.id })
  }

  private baseline(id: string, model: string): Baseline {
    const h = this.o.health.get(id)
    const running = h?.model && h.model.name === model ? h.model : null
    const latency = h?.latencyP95StableMs ?? h?.latencyP95Ms ?? h?.latencyMs
    return { version: running?.version ?? null, sha256: running?.sha256 ?? null, ...(latency !== undefined ? { latencyP95Ms: latency } : {}) }
  }

  /** The version most targeted devices of the model run now (for people: "from 1.0.0 to 1.1.0"). */
  private async commonVersion(model: string): Promise<string | null> {
    const counts = new Map<string, number>()
    for (const d of await this.o.registry.listDevices()) {
      const m = this.o.health.get(d.id)?.model ?? d.model
      if (m?.name === model) counts.set(m.version, (counts.get(m.version) ?? 0) + 1)
    }
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
  }

  private async load(id: string): Promise<StoredRollout> {
    const s = await this.get(id)
    if (!s) throw new HubError('HUB_ROLLOUT_NOT_FOUND', `no rollout ${id}; list them with edgefleet rollout list`)
    return s
  }

  private async save(s: StoredRollout, now: number): Promise<void> {
    const r = s.rollout
    const row: RolloutRow = { id: r.id, model: r.model.name, version: r.model.version, state: r.state, body: s, createdAt: r.createdAt, updatedAt: now }
    await this.o.registry.saveRollout(row)
    this.o.onChange?.(r.id)
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return run
  }
}
