// aedes-persistence-level ships no types. Its async class is what aedes 1.x takes as `persistence`
// (aedes checks that `setup` is an async function); the package's main export wraps it in callbacks.
declare module 'aedes-persistence-level/asyncPersistence.js' {
  import type { Level } from 'level'

  /** aedes' persistence API (aedes-persistence 11) over a LevelDB: retained messages, sessions, queued QoS 1 messages, wills. */
  export default class AsyncLevelPersistence {
    constructor(db: Level<string, Buffer>)
    setup(broker: unknown): Promise<void>
    destroy(): Promise<void>
  }
}
