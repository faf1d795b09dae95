import type { ModelVersionView } from '@edgefleet/protocol'
import { errorFromResponse, networkError } from './api-error.ts'
import { apiUrl } from './hub-url.ts'

export interface UploadProgress {
  /** bytes of the request body sent so far */
  loaded: number
  /** bytes of the whole request body */
  total: number
}

export interface UploadModelOptions {
  /** `Bearer …` header value */
  authorization: string
  manifest: Blob
  model: Blob
  onProgress?: (p: UploadProgress) => void
  signal?: AbortSignal
}

/**
 * `POST /api/v1/models` as multipart/form-data (parts `manifest` and `model`, as the hub's upload route takes
 * them), through XMLHttpRequest because fetch reports no upload progress. Resolves with the registered
 * version; rejects with an {@link ApiError} carrying the hub's code (e.g. `HUB_MODEL_VERSION_NOT_NEWER`).
 */
export function uploadModel(o: UploadModelOptions): Promise<ModelVersionView> {
  const form = new FormData()
  form.append('manifest', o.manifest, 'manifest.json')
  form.append('model', o.model, 'model.onnx')
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', apiUrl('/models'))
    xhr.setRequestHeader('authorization', o.authorization)
    xhr.setRequestHeader('accept', 'application/json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) o.onProgress?.({ loaded: e.loaded, total: e.total })
    }
    xhr.onload = () => {
      const body = parse(xhr.responseText)
      if (xhr.status >= 200 && xhr.status < 300 && body !== undefined) resolve(body as ModelVersionView)
      else reject(errorFromResponse(xhr.status, xhr.statusText, body))
    }
    xhr.onerror = () => reject(networkError(new Error('upload failed')))
    xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'))
    o.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(form)
  })
}

function parse(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined
  } catch {
    return undefined
  }
}
