import { setImmediate as yieldTurn } from 'node:timers/promises'
import type { Manifest } from '@edgefleet/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../errors.ts'
import { runPipeline } from '../pipeline/pipeline.ts'
import { AgentStats } from '../pipeline/stats.ts'
import { statusDescriber } from '../serving/agent-status.ts'
import { loadStartupShadow } from '../serving/startup-model.ts'
import type { PredictionSink } from '../sinks/sink.ts'
import type { Source } from '../sources/source.ts'
import { desired, gasSensorVersion, TestSigner } from './test-hub.ts'
import { testDevice } from './test-device.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const signer = new TestSigner()
const v1 = gasSensorVersion('1.0.0', signer)
// the same network behind other standardisation: it passes its self-test (raw model inputs) but disagrees sometimes
const v2 = gasSensorVersion('2.0.0', signer, (m) => {
  const pre = m.inputs[0]!.preprocessing
  if (pre.type === 'standardize') pre.mean = pre.mean.map((x, i) => x + (i % 3 === 0 ? 2 * pre.std[i]! : 0))
})
const SHADOW_STEPS = [
  'received succeeded', 'download started', 'download succeeded', 'verify-digest started', 'verify-digest succeeded',
  'verify-signature started', 'verify-signature succeeded', 'load started', 'load succeeded', 'self-test started', 'self-test succeeded',
  'active succeeded',
]

/** Readings spread around the reference (mean ± 1.5 std), `n` of them. */
function readings(manifest: Manifest, n: number): Source {
  const ref = manifest.reference.features
  return {
    name: 'spread',
    async run(ctx) {
      for (let i = 0; i < n; i++) {
        const values = Float64Array.from(ref, (f, j) => f.mean + f.std * 1.5 * Math.sin(i * 0.7 + j))
        await ctx.push({ id: `r${i}`, ts: Date.now(), values })
        if (i % 16 === 15) await yieldTurn()
      }
    },
  }
}

describe('shadow mode', () => {
  it('runs a candidate beside the served model on the same batches, reports the comparison, and never serves it', async () => {
    const d = await testDevice(cleanup, { signer })
    const want = desired(d.server.publish(v1), { shadow: d.server.publish(v2) })
    await d.apply(want)
    const byRole = (role: string) => d.events.filter((e) => e.role === role && e.state !== 'progress').map((e) => `${e.step} ${e.state}`)
    expect(byRole('active')).toEqual(['received succeeded', 'active succeeded'])
    expect(byRole('shadow')).toEqual(SHADOW_STEPS)
    expect(d.served()).toBe('gas-sensor@1.0.0')
    expect(d.slot.shadow?.served.ref).toEqual(v2.ref)
    expect(d.store.pointer).toMatchObject({ shadow: v2.ref, generation: want.generation })

    const versions: string[] = []
    const sink: PredictionSink = { write: (batch, model) => void versions.push(...batch.map(() => model.version)), close: async () => {} }
    const stats = new AgentStats()
    await runPipeline({ slot: d.slot, sources: [readings(v1.manifest, 320)], sink, batchSize: 32, stats })
    expect(versions).toEqual(Array(320).fill('1.0.0'))
    const status = statusDescriber(d.slot, stats, () => 0)()
    expect(status.model).toEqual(v1.ref)
    expect(status.shadow).toMatchObject({ ...v2.ref, samples: 320, latencyMs: expect.any(Number) })
    expect(status.shadow!.agreement).toBeGreaterThan(0)
    expect(status.shadow!.agreement).toBeLessThan(1)
    expect(status.shadow!.meanAbsDiff).toBeGreaterThan(0)

    // a restart runs the candidate again
    const again = await loadStartupShadow(d.store, {}, silentLogger)
    expect(again?.loaded.manifest.version).toBe('2.0.0')
    await again?.loaded.backend.close()

    // the next desired state without a shadow stops it; the served model goes on
    await d.apply(desired(d.server.publish(v1)))
    expect(d.slot.shadow).toBeUndefined()
    expect(d.store.pointer.shadow).toBeNull()
    expect(statusDescriber(d.slot, stats, () => 0)().shadow).toBeUndefined()
  })

  it('takes an older candidate (it replaces nothing), refuses a badly signed one, and leaves the served model alone', async () => {
    const d = await testDevice(cleanup, { signer })
    await d.apply(desired(d.server.publish(gasSensorVersion('3.0.0', signer))))
    const older = desired(d.server.publish(gasSensorVersion('3.0.0', signer)), { shadow: d.server.publish(v2) })
    await d.apply(older)
    expect(d.steps(older.generation).at(-1)).toBe('active succeeded')
    expect(d.slot.shadow?.served.ref.version).toBe('2.0.0')
    const forged = desired(d.server.publish(gasSensorVersion('3.0.0', signer)), { shadow: d.server.publish(gasSensorVersion('4.0.0', new TestSigner())) })
    await d.apply(forged)
    expect(d.events.filter((e) => e.generation === forged.generation && e.role === 'shadow').at(-1)).toMatchObject({ step: 'verify-signature', state: 'failed', code: 'AGENT_SIGNATURE_INVALID' })
    expect(d.served()).toBe('gas-sensor@3.0.0')
    // the candidate no longer desired is stopped; the refused one never ran
    expect(d.slot.shadow).toBeUndefined()
    expect(d.store.pointer.shadow).toBeNull()
  })
})
