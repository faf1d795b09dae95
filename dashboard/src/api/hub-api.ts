import type {
  AlertList, AlertListQuery, AlertView, DeviceDeployment, DeviceEventList, DeviceList, DeviceView, DriftHistoryQuery,
  DriftWindowList, ModelVersionList, ModelVersionView, PredictionBuckets, RolloutCreateBody, RolloutList, RolloutView, TokenIdentity,
} from '@edgefleet/protocol'
import { ApiError, DashboardErrorCodes, errorFromResponse, isAbort, networkError } from './api-error.ts'
import { apiUrl, seg } from './hub-url.ts'

export interface HubApiOptions {
  /** the operator token, `<name>.<secret>` */
  token: string
  /** called before a 401 is thrown, so the app can return to the sign-in form */
  onUnauthorized?: (err: ApiError) => void
  /** defaults to the global fetch */
  fetch?: typeof fetch
}

export type RolloutCommand = 'pause' | 'resume' | 'abort' | 'rollback'

/** The hub's operator REST API (`/api/v1`), typed by the protocol's schemas. */
export class HubApi {
  readonly #o: HubApiOptions
  constructor(options: HubApiOptions) {
    this.#o = options
  }

  get token(): string {
    return this.#o.token
  }

  /** The token's name and role (`GET /whoami`); an older hub answers 404. */
  whoami(signal?: AbortSignal): Promise<TokenIdentity> {
    return this.#request('GET', apiUrl('/whoami'), undefined, signal)
  }
  devices(query: { tag?: string[]; online?: boolean } = {}, signal?: AbortSignal): Promise<DeviceList> {
    return this.#request('GET', apiUrl('/devices', query), undefined, signal)
  }
  device(id: string, signal?: AbortSignal): Promise<DeviceView> {
    return this.#request('GET', apiUrl(`/devices/${seg(id)}`), undefined, signal)
  }
  predictions(id: string, query: { from: number; to: number; every: number }, signal?: AbortSignal): Promise<PredictionBuckets> {
    return this.#request('GET', apiUrl(`/devices/${seg(id)}/predictions`, query), undefined, signal)
  }
  deviceEvents(id: string, limit: number, signal?: AbortSignal): Promise<DeviceEventList> {
    return this.#request('GET', apiUrl(`/devices/${seg(id)}/events`, { limit }), undefined, signal)
  }
  deployment(id: string, signal?: AbortSignal): Promise<DeviceDeployment> {
    return this.#request('GET', apiUrl(`/devices/${seg(id)}/deployment`), undefined, signal)
  }
  driftHistory(query: DriftHistoryQuery, signal?: AbortSignal): Promise<DriftWindowList> {
    return this.#request('GET', apiUrl('/drift/history', { ...query }), undefined, signal)
  }
  alerts(query: AlertListQuery = {}, signal?: AbortSignal): Promise<AlertList> {
    return this.#request('GET', apiUrl('/alerts', { ...query }), undefined, signal)
  }
  acknowledgeAlert(id: string, note?: string): Promise<AlertView> {
    return this.#request('POST', apiUrl(`/alerts/${seg(id)}/ack`), note ? { note } : {})
  }
  models(signal?: AbortSignal): Promise<ModelVersionList> {
    return this.#request('GET', apiUrl('/models'), undefined, signal)
  }
  modelVersion(name: string, version: string, signal?: AbortSignal): Promise<ModelVersionView> {
    return this.#request('GET', apiUrl(`/models/${seg(name)}/${seg(version)}`), undefined, signal)
  }
  rollouts(signal?: AbortSignal): Promise<RolloutList> {
    return this.#request('GET', apiUrl('/rollouts'), undefined, signal)
  }
  rollout(id: string, signal?: AbortSignal): Promise<RolloutView> {
    return this.#request('GET', apiUrl(`/rollouts/${seg(id)}`), undefined, signal)
  }
  createRollout(body: RolloutCreateBody): Promise<RolloutView> {
    return this.#request('POST', apiUrl('/rollouts'), body)
  }
  commandRollout(id: string, command: RolloutCommand, reason?: string): Promise<RolloutView> {
    return this.#request('POST', apiUrl(`/rollouts/${seg(id)}/${command}`), reason ? { reason } : {})
  }

  /** The Authorization header every request (and the live stream) sends. */
  authorization(): string {
    return `Bearer ${this.#o.token}`
  }

  /** Reports a 401 seen outside this client (the live stream, an upload) the same way as its own. */
  reportUnauthorized(err: ApiError): void {
    this.#o.onUnauthorized?.(err)
  }

  async #request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: this.authorization(), accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const doFetch = this.#o.fetch ?? fetch
    let response: Response
    try {
      response = await doFetch(url, {
        method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}),
      })
    } catch (err) {
      throw isAbort(err) ? err : networkError(err)
    }
    const parsed = await readJson(response)
    if (!response.ok) {
      const err = errorFromResponse(response.status, response.statusText, parsed)
      if (err.unauthorized) this.reportUnauthorized(err)
      throw err
    }
    if (parsed === undefined) {
      throw new ApiError(response.status, DashboardErrorCodes.badResponse, `${url} answered without a JSON body: check that this page is served by an edgefleet hub`)
    }
    return parsed as T
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '')
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
