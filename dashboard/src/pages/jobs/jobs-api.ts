import type { DatasetSummary, JobCreateBody, JobList, JobListQuery, JobView } from '@edgefleet/protocol'
import { useMemo } from 'preact/hooks'
import { ApiError, DashboardErrorCodes, errorFromResponse, isAbort, networkError } from '../../api/api-error.ts'
import type { HubApi } from '../../api/hub-api.ts'
import { apiUrl, seg } from '../../api/hub-url.ts'
import { useHub } from '../../sync/hub-context.ts'

/**
 * The hub's retraining routes (`/api/v1/jobs…`, `/api/v1/datasets/:model`), with the signed-in client's
 * token and its 401 handling. Kept beside the Jobs page for now; its methods belong on {@link HubApi}.
 */
export class JobsApi {
  readonly #api: HubApi
  readonly #fetch: typeof fetch | undefined

  constructor(api: HubApi, options: { fetch?: typeof fetch } = {}) {
    this.#api = api
    this.#fetch = options.fetch
  }

  jobs(query: JobListQuery = {}, signal?: AbortSignal): Promise<JobList> {
    return this.#request('GET', apiUrl('/jobs', { ...query }), undefined, signal)
  }
  job(id: string, signal?: AbortSignal): Promise<JobView> {
    return this.#request('GET', apiUrl(`/jobs/${seg(id)}`), undefined, signal)
  }
  /** Queues a job; refused with `HUB_JOB_CONFLICT` while one of the model runs, `HUB_MODEL_NOT_FOUND` without a version. */
  createJob(body: JobCreateBody): Promise<JobView> {
    return this.#request('POST', apiUrl('/jobs'), body)
  }
  cancelJob(id: string): Promise<JobView> {
    return this.#request('POST', apiUrl(`/jobs/${seg(id)}/cancel`), {})
  }
  dataset(model: string, signal?: AbortSignal): Promise<DatasetSummary> {
    return this.#request('GET', apiUrl(`/datasets/${seg(model)}`), undefined, signal)
  }

  async #request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: this.#api.authorization(), accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await (this.#fetch ?? fetch)(url, {
        method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}),
      })
    } catch (err) {
      throw isAbort(err) ? err : networkError(err)
    }
    const text = await response.text().catch(() => '')
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown)
    } catch {
      parsed = undefined
    }
    if (!response.ok) {
      const err = errorFromResponse(response.status, response.statusText, parsed)
      if (err.unauthorized) this.#api.reportUnauthorized(err)
      throw err
    }
    if (parsed === undefined) {
      throw new ApiError(response.status, DashboardErrorCodes.badResponse, `${url} answered without a JSON body: check that this page is served by an edgefleet hub`)
    }
    return parsed as T
  }
}

/** The signed-in hub's retraining routes. */
export function useJobsApi(): JobsApi {
  const { api } = useHub()
  return useMemo(() => new JobsApi(api), [api])
}
