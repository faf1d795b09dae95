import type { ModelVersionView } from '@edgefleet/protocol'
import { useId, useRef, useState } from 'preact/hooks'
import { describeError, ApiError } from '../../api/api-error.ts'
import { uploadModel, type UploadProgress } from '../../api/upload-model.ts'
import { RoleHint } from '../../components/role-hint.tsx'
import { formatBytes } from '../../format/format-number.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useRoleShortfall } from '../../sync/identity-context.ts'

type Outcome = { ok: true; text: string } | { ok: false; text: string } | null

/**
 * Uploads a model package (manifest.json + model.onnx) with progress; the hub checks, signs and registers it.
 * Disabled, saying why, for a token below operator.
 */
export function ModelUploadForm({ onUploaded }: { onUploaded: (view: ModelVersionView) => void }) {
  const { api } = useHub()
  const manifestRef = useRef<HTMLInputElement>(null)
  const modelRef = useRef<HTMLInputElement>(null)
  const [progress, setProgress] = useState<UploadProgress | null>(null)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome>(null)
  const shortfall = useRoleShortfall('operator')
  const hintId = useId()

  const submit = async (e: Event) => {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const manifest = manifestRef.current?.files?.[0]
    const model = modelRef.current?.files?.[0]
    if (!manifest || !model) {
      setOutcome({ ok: false, text: 'Choose both files of the package: its manifest.json and its ONNX model.' })
      return
    }
    setBusy(true)
    setOutcome(null)
    setProgress({ loaded: 0, total: manifest.size + model.size })
    try {
      const view = await uploadModel({ authorization: api.authorization(), manifest, model, onProgress: setProgress })
      setOutcome({ ok: true, text: `Registered ${view.name}@${view.version} (${formatBytes(view.size)}, signed by the hub).` })
      onUploaded(view)
      form.reset()
    } catch (err) {
      if (err instanceof ApiError && err.unauthorized) api.reportUnauthorized(err)
      setOutcome({ ok: false, text: `Upload refused: ${describeError(err)}` })
    } finally {
      setBusy(false)
      setProgress(null)
    }
  }

  const sent = progress && progress.total > 0 ? progress.loaded / progress.total : 0
  return (
    <form aria-label="Upload a model package" class="card stack" onSubmit={submit}>
      <h2>Upload a model package</h2>
      <div class="field-row">
        <label>
          Manifest (manifest.json)
          <input ref={manifestRef} type="file" accept=".json,application/json" disabled={busy} />
        </label>
        <label>
          Model (model.onnx)
          <input ref={modelRef} type="file" accept=".onnx" disabled={busy} />
        </label>
      </div>
      <div class="actions">
        <button type="submit" disabled={busy || shortfall !== null} aria-describedby={shortfall ? hintId : undefined}>Upload</button>
        <RoleHint id={hintId} text={shortfall} />
        {progress && (
          <>
            <progress aria-label="Upload progress" max={1} value={sent} />
            <span class="muted">
              {sent < 1 ? `Sending ${Math.round(sent * 100)} %` : 'Checking on the hub: digest, self-test, version, signature…'}
            </span>
          </>
        )}
      </div>
      <p role="status" class="success">{outcome?.ok === true ? outcome.text : ''}</p>
      {outcome?.ok === false && <p role="alert" class="error">{outcome.text}</p>}
    </form>
  )
}
