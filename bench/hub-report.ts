/** Fetches what the hub stored, through its REST API (operator token), for the ingest check. */
export interface HubStored {
  /** predictions in the telemetry store for these devices */
  stored: number
  /** the hub's in-memory counters summed over these devices */
  messages: number
  duplicates: number
  invalid: number
}

const DAY_MS = 86_400_000

export async function fetchHubStored(httpUrl: string, token: string, deviceIds: readonly string[], since: number): Promise<HubStored> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
  const wanted = new Set(deviceIds)
  const list = await get<{ devices: { id: string; counters: { messages: number; duplicates: number; invalid: number } }[] }>('/api/v1/devices')
  const counted = list.devices.filter((d) => wanted.has(d.id))
  const sum = (f: (c: { messages: number; duplicates: number; invalid: number }) => number): number => counted.reduce((n, d) => n + f(d.counters), 0)
  // one bucket per device from just before the run to just after now
  const from = since - 60_000
  const to = Date.now() + 60_000
  let stored = 0
  for (const id of deviceIds) {
    stored += (await get<{ total: number }>(`/api/v1/devices/${id}/predictions?from=${from}&to=${to}&every=${Math.min(DAY_MS, to - from)}`)).total
  }
  return { stored, messages: sum((c) => c.messages), duplicates: sum((c) => c.duplicates), invalid: sum((c) => c.invalid) }
}
