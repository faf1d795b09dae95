// Test support for the activation tests: a device as the agent assembles it (model store, the slot
// serving the shipped gas-sensor package as --model, the deployer) beside a real model server.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DeployEvent, Desired } from '@edgefleet/protocol'
import type { RunDrift } from '../cli/run-drift.ts'
import { silentLogger } from '../errors.ts'
import { ModelSlot } from '../pipeline/model-slot.ts'
import { serveModel, type AgentServedModel } from '../serving/served-model.ts'
import { slotHost } from '../serving/slot-host.ts'
import { loadStartupModel, type StartupModel } from '../serving/startup-model.ts'
import type { Uplink } from '../uplink/outbox.ts'
import { Deployer } from './deployer.ts'
import { ModelStore } from './model-store.ts'
import { startModelServer, TestSigner, type TestModelServer } from './test-hub.ts'

export const CREDENTIALS = { deviceId: 'pi-01', secret: 's3cret' }

/** A device under test and what it reported. */
export interface TestDevice {
  stateDir: string
  server: TestModelServer
  store: ModelStore
  slot: ModelSlot
  deployer: Deployer
  events: DeployEvent[]
  /** handles one desired state and waits until the deployer is idle */
  apply(d: Desired): Promise<void>
  /** `step state[ code]` of each event but progress, for comparing sequences */
  steps(generation?: number): string[]
  served(): string
  /** where the model served on start came from */
  startedFrom: StartupModel['from']
}

/** Options of {@link testDevice}. */
export interface TestDeviceOptions {
  signer?: TestSigner
  /** no hub public key */
  withoutKey?: boolean
  maxModelBytes?: number
  /** reuse a state directory (a restart) */
  stateDir?: string
  /** reuse a server (a restart) */
  server?: TestModelServer
  uplink?: Uplink
  drift?: RunDrift
}

/** Assembles a device; everything it opened is released by the returned cleanup list. */
export async function testDevice(cleanup: (() => Promise<void> | void)[], o: TestDeviceOptions = {}): Promise<TestDevice> {
  const server = o.server ?? (await startModelServer(CREDENTIALS))
  if (!o.server) cleanup.push(() => server.close())
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), 'ef-device-'))
  if (!o.stateDir) cleanup.push(() => rmSync(stateDir, { recursive: true, force: true }))
  const store = await ModelStore.open(join(stateDir, 'models'))
  // as the agent starts: the store's current version, else its previous one, else --model
  const { loaded, dir, from } = await loadStartupModel(store, 'gas-sensor', {}, silentLogger)
  let slot: ModelSlot | undefined
  const serve = (pkg: Parameters<typeof serveModel>[0]): Promise<AgentServedModel> => serveModel(pkg, { drift: o.drift, check: (m) => slot?.check(m) })
  slot = new ModelSlot(await serve({ manifest: loaded.manifest, backend: loaded.backend, dir }))
  const served = slot
  cleanup.push(() => served.close())
  const events: DeployEvent[] = []
  const deployer = new Deployer({
    store,
    host: slotHost(served, { serve, serveShadow: (pkg) => serveModel(pkg, { check: (m) => served.check(m) }), logger: silentLogger }),
    publicKeyPem: o.withoutKey ? undefined : (o.signer ?? new TestSigner()).publicKeyPem,
    credentials: CREDENTIALS,
    maxModelBytes: o.maxModelBytes ?? 1 << 20,
    backend: 'auto',
    download: { attempts: 3, backoff: { initialMs: 5, maxMs: 20 }, progressIntervalMs: 0 },
    onEvent: (e) => events.push(e),
    ...(o.uplink ? { uplink: o.uplink } : {}),
  })
  cleanup.push(() => deployer.close())
  return {
    stateDir,
    server,
    store,
    slot: served,
    deployer,
    events,
    async apply(d) {
      deployer.handle(d)
      await deployer.idle()
    },
    steps: (generation) => events.filter((e) => e.state !== 'progress' && (generation === undefined || e.generation === generation)).map((e) => `${e.step} ${e.state}${e.code ? ` ${e.code}` : ''}`),
    served: () => `${served.current.ref.name}@${served.current.ref.version}`,
    startedFrom: from,
  }
}
