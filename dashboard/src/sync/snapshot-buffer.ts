import type { LiveMessage } from '../live/live-events.ts'

/** Applies a batch of live messages to loaded state; returns the same object when nothing changed. */
export type ApplyLive<T> = (state: T, messages: readonly LiveMessage[]) => T

/**
 * Joins a REST snapshot with the live stream without losing a change. While the snapshot loads, messages
 * are held; when it arrives they are replayed onto it in order. A replayed message may be older than the
 * snapshot, but every change sends one, so the last message for a thing is at least as new as the snapshot
 * and the result is current.
 */
export class SnapshotBuffer {
  #held: LiveMessage[] | null = []

  /** True while the snapshot is loading. */
  get loading(): boolean {
    return this.#held !== null
  }

  /** Holds `messages` while loading; returns false when loading is over and the caller applies them itself. */
  hold(messages: readonly LiveMessage[]): boolean {
    if (this.#held === null) return false
    this.#held.push(...messages)
    return true
  }

  /** The snapshot with every held message applied; from now on messages are not held. */
  settle<T>(snapshot: T, apply: ApplyLive<T>): T {
    const held = this.#held ?? []
    this.#held = null
    return held.length > 0 ? apply(snapshot, held) : snapshot
  }
}
