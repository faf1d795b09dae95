import { alertExample, type Alert, type JobView } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRAIN_POLICY, type RetrainPolicy } from './retrain-policy.ts'
import { RetrainTriggers } from './retrain-triggers.ts'

const quiet = { info: () => {}, warn: () => {}, error: () => {} }
const HOUR = 3_600_000

function setup(o: { policy?: Partial<RetrainPolicy>; labelled?: number; lastJob?: Partial<JobView> | null; active?: boolean; now?: number } = {}) {
  const created: { model: string; trigger: string; reason: string }[] = []
  let labelled = o.labelled ?? 0
  const t = new RetrainTriggers({
    jobs: {
      create: async (j) => {
        created.push(j)
        return j as unknown as JobView
      },
      activeJob: async () => (o.active ? ({ id: 'busy' } as JobView) : null),
      lastJob: async () => (o.lastJob ? ({ createdAt: 0, ...o.lastJob } as JobView) : null),
    },
    policyOf: () => ({ ...DEFAULT_RETRAIN_POLICY, ...o.policy }),
    scheduled: [],
    labelledCount: async (_m, q) => (q?.since !== undefined ? Math.max(0, labelled - 100) : labelled),
    logger: quiet,
    now: () => o.now ?? 10 * HOUR,
  })
  return { t, created, setLabelled: (n: number) => (labelled = n) }
}

const raised: Alert = { ...alertExample, id: 'a1', state: 'raised' }

describe('RetrainTriggers', () => {
  it('retrains on a raised drift alert once the model has enough labelled samples, waiting for them if need be', async () => {
    const s = setup({ labelled: 150 })
    s.t.alert(raised)
    await s.t.settled()
    expect(s.created).toEqual([])
    s.setLabelled(200)
    s.t.labelled('gas-sensor', 50)
    await s.t.settled()
    expect(s.created).toEqual([{ model: 'gas-sensor', trigger: 'drift', reason: expect.stringMatching(/^drift alert a1 \(data-drift, .*\): .*; 200 labelled samples$/), by: null }])
    // the alert is answered: more labels start nothing more
    s.t.labelled('gas-sensor', 50)
    await s.t.settled()
    expect(s.created).toHaveLength(1)
  })

  it('ignores cleared alerts, alerts within the cooldown of the last job, and models with drift retraining off', async () => {
    const cleared = setup({ labelled: 500 })
    cleared.t.alert({ ...raised, state: 'cleared' })
    const recent = setup({ labelled: 500, lastJob: { createdAt: 10 * HOUR - HOUR } })
    recent.t.alert(raised)
    const off = setup({ labelled: 500, policy: { onDrift: false } })
    off.t.alert(raised)
    await Promise.all([cleared.t.settled(), recent.t.settled(), off.t.settled()])
    expect([cleared.created, recent.created, off.created]).toEqual([[], [], []])
    const after = setup({ labelled: 500, lastJob: { createdAt: 10 * HOUR - 7 * HOUR } })
    after.t.alert(raised)
    await after.t.settled()
    expect(after.created.map((c) => c.trigger)).toEqual(['drift'])
  })

  it('starts nothing while the model has a job queued or running', async () => {
    const s = setup({ labelled: 500, active: true, policy: { afterLabels: 10 } })
    s.t.alert(raised)
    s.t.labelled('gas-sensor', 400)
    await s.t.settled()
    expect(s.created).toEqual([])
  })

  it('retrains after afterLabels new labels since the last job', async () => {
    const s = setup({ labelled: 150, lastJob: { id: 'j0', createdAt: 1 }, policy: { afterLabels: 100 } })
    s.t.labelled('gas-sensor', 10)
    await s.t.settled()
    expect(s.created).toEqual([])
    s.setLabelled(200)
    s.t.labelled('gas-sensor', 50)
    await s.t.settled()
    expect(s.created).toEqual([{ model: 'gas-sensor', trigger: 'labels', reason: '100 samples labelled since job j0 (policy afterLabels 100)', by: null }])
  })
})
