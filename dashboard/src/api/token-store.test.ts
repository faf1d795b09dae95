import { describe, expect, it } from 'vitest'
import { clearToken, loadToken, saveToken, tokenShapeProblem } from './token-store.ts'

function memoryStorage() {
  const m = new Map<string, string>()
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) }
}

describe('operator token', () => {
  it('is kept until sign out', () => {
    const s = memoryStorage()
    expect(loadToken(s)).toBeNull()
    saveToken('ops.secret', s)
    expect(loadToken(s)).toBe('ops.secret')
    clearToken(s)
    expect(loadToken(s)).toBeNull()
  })

  it('must look like <name>.<secret> before it is sent', () => {
    expect(tokenShapeProblem('ops.s3cret')).toBeNull()
    expect(tokenShapeProblem('  ')).toMatch(/Enter an operator token/)
    expect(tokenShapeProblem('nodot')).toMatch(/<name>\.<secret>/)
    expect(tokenShapeProblem('.secret')).toMatch(/<name>\.<secret>/)
    expect(tokenShapeProblem('ops.')).toMatch(/<name>\.<secret>/)
  })
})
