import { expect, it } from 'vitest'
import { AlwaysLeader } from './leader-lease.ts'
import { SingletonWork, type SingletonStep } from './singleton-work.ts'

const quiet = { info: () => {}, error: () => {} }

function recorder(log: string[], ...names: string[]): SingletonStep[] {
  return names.map((name) => ({ name, start: () => void log.push(`start ${name}`), stop: () => void log.push(`stop ${name}`) }))
}

it('runs the steps at once for a hub alone, and stops them in reverse order when it closes', async () => {
  const log: string[] = []
  const work = new SingletonWork({ lease: new AlwaysLeader(), steps: recorder(log, 'republish', 'rollouts', 'webhooks'), logger: quiet })
  work.attach()
  await work.settled()
  expect(log).toEqual(['start republish', 'start rollouts', 'start webhooks'])
  await work.close()
  expect(log.slice(3)).toEqual(['stop webhooks', 'stop rollouts', 'stop republish'])
})

it('keeps going when one step fails, and names it in the log', async () => {
  const errors: string[] = []
  const log: string[] = []
  const failing: SingletonStep = { name: 'retraining', start: () => Promise.reject(new Error('registry busy')), stop: () => {} }
  const work = new SingletonWork({ lease: new AlwaysLeader(), steps: [failing, ...recorder(log, 'webhooks')], logger: { info: () => {}, error: (o) => void errors.push((o as { step: string }).step) } })
  work.attach()
  await work.settled()
  expect(errors).toEqual(['retraining'])
  expect(log).toEqual(['start webhooks'])
  await work.close()
})
