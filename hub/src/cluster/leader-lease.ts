/** Who runs the hub's once-only work when several instances share a broker and a registry. */
export interface LeaderLease {
  /** `single`: this instance always leads (one hub, or a SQLite registry); `postgres`: an advisory lock decides */
  readonly kind: 'single' | 'postgres'
  /** true while this instance holds the lease */
  isLeader(): boolean
  /** Begins trying to take the lease; resolves after the first attempt (won or not). */
  start(): Promise<void>
  /** Calls `listener(true)` on winning the lease and `listener(false)` on losing it. Returns an unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void
  /** Gives the lease up (others take it within their retry interval) and stops trying. */
  close(): Promise<void>
}

/** The lease of a hub that runs alone: it leads from construction to close. */
export class AlwaysLeader implements LeaderLease {
  readonly kind = 'single' as const
  private leading = true
  private readonly listeners = new Set<(leader: boolean) => void>()

  isLeader(): boolean {
    return this.leading
  }

  async start(): Promise<void> {}

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    if (!this.leading) return
    this.leading = false
    for (const l of this.listeners) l(false)
  }
}
