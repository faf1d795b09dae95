/**
 * Why the actions beside it are disabled (what role they need, and the token's), or nothing. The disabled
 * controls name it with `aria-describedby={id}`.
 */
export function RoleHint({ id, text }: { id: string; text: string | null }) {
  if (text === null) return null
  return <small id={id} class="muted role-hint">{text}</small>
}
