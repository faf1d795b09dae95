import { setImmediate as yieldTurn } from 'node:timers/promises'
import type { Source } from '@edgefleet/edge-agent'
import type { Manifest } from '@edgefleet/protocol'

/**
 * A sensor that never stops: readings at the reference means of `manifest`'s features, as fast as the
 * agent takes them (a short pause every 16 so timers and sockets get their turn), until the agent stops.
 */
export function liveSource(manifest: Manifest): Source {
  const values = Float64Array.from(manifest.reference.features, (f) => f.mean)
  return {
    name: 'live',
    async run(ctx) {
      for (let i = 0; !ctx.signal.aborted; i++) {
        ctx.tryPush({ id: `r${i}`, ts: Date.now(), values })
        if (i % 16 === 15) await new Promise((r) => setTimeout(r, 5))
        else await yieldTurn()
      }
    },
  }
}
