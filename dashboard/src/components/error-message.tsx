import { describeError } from '../api/api-error.ts'

interface Props {
  error: unknown
  /** what failed, e.g. "Could not load the devices" */
  what: string
  onRetry?: () => void
}

/** A failure in words (the hub's message and code, or what to do when it could not be reached), with Retry. */
export function ErrorMessage({ error, what, onRetry }: Props) {
  return (
    <div role="alert" class="error-box">
      <p><strong>{what}.</strong> {describeError(error)}</p>
      {onRetry && <button type="button" class="secondary" onClick={onRetry}>Retry</button>}
    </div>
  )
}

/** A quiet placeholder while something loads. */
export function Loading({ what }: { what: string }) {
  return <p class="muted" aria-busy="true">Loading {what}…</p>
}
