/** Fetches what the hub stored, through its REST API (operator token), for the ingest check. */
export interface HubStored {
  /** predictions in the telemetry store for these devices */
  stored: number
  /** the hub's in-memory counters summed over these devices */
  messages: number
  duplicates: number
  invalid: number
  /** predictions in the telemetry store, per device (same order as the ids asked for) */
  perDevice: number[]
}

const DAY_MS = 86_400_000

/**
 * Reads each device's stored predictions since `since` (one REST query per device, `concurrency` at
 * a time) and the hub's per-device counters.
 */
export async function fetchHubStored(httpUrl: string, token: string, deviceIds: readonly string[], since: number, concurrency = 1): Promise<HubStored> {
  const get = async <T>(path: string, attempt = 1): Promise<T> => {
    let res: Response
    try {
      res = await fetch(`${httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
    } catch (err) {
      // a busy hub may close an idle keep-alive connection just as it is reused: try again
      if (attempt >= 5) throw new Error(`GET ${path} failed ${attempt} times: ${(err as Error).message}`, { cause: err })
      await new Promise((r) => setTimeout(r, 500 * attempt))
      return get<T>(path, attempt + 1)
    }
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
  const perDevice: number[] = new Array<number>(deviceIds.length).fill(0)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < deviceIds.length) {
      const i = next++
      perDevice[i] = (await get<{ total: number }>(`/api/v1/devices/${deviceIds[i]}/predictions?from=${from}&to=${to}&every=${Math.min(DAY_MS, to - from)}`)).total
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, deviceIds.length)) }, lane))
  const stored = perDevice.reduce((a, b) => a + b, 0)
  return { stored, messages: sum((c) => c.messages), duplicates: sum((c) => c.duplicates), invalid: sum((c) => c.invalid), perDevice }
}
