import { useEffect, useId, useRef, useState } from 'preact/hooks'

interface Props {
  /** the question, e.g. "Abort this rollout? …" */
  question: string
  /** called with the optional reason typed in */
  onConfirm: (reason: string) => void
  onCancel: () => void
}

/** A modal `<dialog>` asking to confirm a destructive command, with an optional reason; Escape cancels. */
export function ConfirmDialog({ question, onConfirm, onCancel }: Props) {
  const ref = useRef<HTMLDialogElement>(null)
  const [reason, setReason] = useState('')
  const id = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog ref={ref} aria-labelledby={`${id}-q`} onCancel={(e) => { e.preventDefault(); onCancel() }}>
      <form class="stack" onSubmit={(e) => { e.preventDefault(); onConfirm(reason.trim()) }}>
        <p id={`${id}-q`}>{question}</p>
        <label>
          Reason (optional)
          <input type="text" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" class="danger">Confirm</button>
          <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </dialog>
  )
}
