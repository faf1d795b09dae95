import type { Manifest } from '@edgefleet/protocol'
import { runSelfTest as runVectors, selfTestFeeds, type SelfTestResult } from '../../src/model/self-test.ts'
import type { ModelSession } from './ort-session.ts'

export type { SelfTestResult }

/**
 * Runs every self-test vector of the manifest on `session` with the Node agent's self-test (one
 * implementation of the comparison). MODEL_SELF_TEST_FAILED names the vector, output and difference.
 */
export function runSelfTest(manifest: Manifest, session: ModelSession): Promise<SelfTestResult> {
  const target = {
    kind: session.backend,
    async run(feeds: Parameters<ModelSession['run']>[0]) {
      const outputs = await session.run(feeds)
      return Object.fromEntries(Object.entries(outputs).map(([name, data]) => [name, { data }]))
    },
  }
  return runVectors(manifest, target, 'this browser does not run the model as the package was built')
}

/** The time of one run of the first self-test vector, ms: run after the self-test, so shaders and caches are warm. */
export async function timeOneRun(manifest: Manifest, session: ModelSession): Promise<number> {
  const feeds = selfTestFeeds(manifest, 0)
  const t0 = performance.now()
  await session.run(feeds)
  return performance.now() - t0
}
