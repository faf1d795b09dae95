/** Where the operator token is kept: this browser tab's sessionStorage, gone when the tab closes. */
const KEY = 'edgefleet.operatorToken'

type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

export function loadToken(storage: TokenStorage = sessionStorage): string | null {
  return storage.getItem(KEY)
}

export function saveToken(token: string, storage: TokenStorage = sessionStorage): void {
  storage.setItem(KEY, token)
}

export function clearToken(storage: TokenStorage = sessionStorage): void {
  storage.removeItem(KEY)
}

/**
 * Why `text` cannot be an operator token, or null when it has the shape `<name>.<secret>` that
 * `edgefleet token add` prints. The hub decides whether it is valid.
 */
export function tokenShapeProblem(text: string): string | null {
  const token = text.trim()
  if (token === '') return 'Enter an operator token (create one with `edgefleet token add <name>`).'
  const dot = token.indexOf('.')
  if (dot <= 0 || dot === token.length - 1) return 'An operator token looks like <name>.<secret>, as `edgefleet token add <name>` prints it.'
  return null
}
