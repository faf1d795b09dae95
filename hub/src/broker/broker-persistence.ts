import { join } from 'node:path'
import AsyncLevelPersistence from 'aedes-persistence-level/asyncPersistence.js'
import { Level } from 'level'
import { HubError } from '../errors.ts'

/**
 * Where the embedded broker keeps its MQTT state: retained messages (desired states, device statuses,
 * each alert topic's latest alert), persistent sessions (the subscriptions of clients connected with
 * clean session 0, and the QoS 1 messages queued for them while they are away) and last wills.
 * `disk`: a LevelDB in `<dataDir>/broker` (aedes-persistence-level), so a hub that crashes or is
 * killed keeps them; `memory`: aedes' default, lost whenever the hub stops.
 */
export type BrokerPersistenceKind = 'disk' | 'memory'

/** The store handed to aedes, and its release (aedes' own close leaves the store open). */
export interface BrokerPersistence {
  /** aedes' `persistence` option; undefined for aedes' in-memory default */
  readonly store: AsyncLevelPersistence | undefined
  close(): Promise<void>
}

/** The LevelDB directory of `disk` persistence inside a hub data directory. */
export const brokerPersistenceDir = (dataDir: string): string => join(dataDir, 'broker')

/** Opens the broker's persistence: a LevelDB in `<dataDir>/broker` for `disk`, nothing for `memory`. */
export async function openBrokerPersistence(kind: BrokerPersistenceKind, dataDir: string): Promise<BrokerPersistence> {
  if (kind === 'memory') return { store: undefined, close: async () => {} }
  const dir = brokerPersistenceDir(dataDir)
  const db = new Level<string, Buffer>(dir)
  try {
    await db.open()
  } catch (cause) {
    // LevelDB takes a lock on its directory: the usual cause is another hub on the same data directory
    const reason = (cause as { cause?: Error }).cause?.message ?? (cause as Error).message
    throw new HubError('HUB_STORE_FAILED', `cannot open the broker's session store ${dir}: ${reason}. Is another hub running on --data-dir ${dataDir}? Stop it, or start this one with brokerPersistence "memory".`, { cause })
  }
  const store = new AsyncLevelPersistence(db)
  return { store, close: () => db.close() }
}
