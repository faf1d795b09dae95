import { useId } from 'preact/hooks'

interface Props {
  label: string
  value: string
  onInput: (value: string) => void
  /** a short hint below the field, linked as its description */
  hint?: string
}

/** A labelled one-line text input with an optional hint. */
export function TextField({ label, value, onInput, hint }: Props) {
  const id = useId()
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="text" value={value} spellcheck={false} aria-describedby={hint ? `${id}-hint` : undefined}
        onInput={(e) => onInput(e.currentTarget.value)} />
      {hint && <small id={`${id}-hint`} class="muted">{hint}</small>}
    </div>
  )
}
