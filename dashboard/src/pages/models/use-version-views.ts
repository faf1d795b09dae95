import type { ModelVersionSummary, ModelVersionView } from '@edgefleet/protocol'
import { useEffect, useState } from 'preact/hooks'
import type { HubApi } from '../../api/hub-api.ts'
import { useHub } from '../../sync/hub-context.ts'

/** Registered versions never change: each view is fetched once per page load. */
const cache = new Map<string, Promise<ModelVersionView>>()
/** Requests in flight at once while filling the table. */
const CONCURRENCY = 4

const refOf = (v: { name: string; version: string }) => `${v.name}@${v.version}`

function fetchView(api: HubApi, v: ModelVersionSummary): Promise<ModelVersionView> {
  const key = refOf(v)
  let p = cache.get(key)
  if (!p) {
    p = api.modelVersion(v.name, v.version)
    cache.set(key, p)
    p.catch(() => cache.delete(key))
  }
  return p
}

/** The full views (manifest, lineage) of `versions`, keyed `name@version`, filled in as they arrive. */
export function useVersionViews(versions: readonly ModelVersionSummary[]): ReadonlyMap<string, ModelVersionView> {
  const { api } = useHub()
  const [views, setViews] = useState<ReadonlyMap<string, ModelVersionView>>(new Map())
  const wanted = versions.map(refOf).join('\n')
  useEffect(() => {
    let cancelled = false
    const queue = [...versions]
    const worker = async () => {
      for (let v = queue.shift(); v; v = queue.shift()) {
        const view = await fetchView(api, v).catch(() => null)
        if (cancelled) return
        if (view) setViews((m) => new Map(m).set(refOf(view), view))
      }
    }
    for (let i = 0; i < CONCURRENCY; i++) void worker()
    return () => {
      cancelled = true
    }
  }, [api, wanted])
  return views
}
