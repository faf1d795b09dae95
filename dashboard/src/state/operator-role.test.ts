import { describe, expect, it } from 'vitest'
import { identityText, roleAtLeast, roleShortfall, type IdentityState, type OperatorRole } from './operator-role.ts'

const as = (role: OperatorRole, name = 'wall'): IdentityState => ({ status: 'known', identity: { name, role } })

describe('operator roles', () => {
  it('orders viewer ⊂ operator ⊂ admin', () => {
    const roles: OperatorRole[] = ['viewer', 'operator', 'admin']
    const allowed = Object.fromEntries(roles.map((have) => [have, roles.filter((need) => roleAtLeast(have, need))]))
    expect(allowed).toEqual({ viewer: ['viewer'], operator: ['viewer', 'operator'], admin: ['viewer', 'operator', 'admin'] })
  })

  it('tells a viewer what an action needs, naming its own role', () => {
    expect(roleShortfall(as('viewer'), 'operator')).toBe('Needs an operator token (yours is viewer)')
    expect(roleShortfall(as('viewer'), 'operator', 'Acknowledging alerts')).toBe('Acknowledging alerts needs an operator token (yours is viewer)')
    expect(roleShortfall(as('operator'), 'admin')).toBe('Needs an admin token (yours is operator)')
  })

  it('offers an action to a role that is enough', () => {
    expect(roleShortfall(as('operator'), 'operator')).toBeNull()
    expect(roleShortfall(as('admin'), 'operator')).toBeNull()
  })

  it('offers everything while the role is loading or unknown (an older hub), leaving refusals to the hub', () => {
    expect(roleShortfall({ status: 'loading' }, 'admin')).toBeNull()
    expect(roleShortfall({ status: 'unknown' }, 'admin')).toBeNull()
  })

  it('shows the token as name · role once known', () => {
    expect(identityText(as('viewer', 'wall'))).toBe('wall · viewer')
    expect(identityText({ status: 'loading' })).toBeNull()
    expect(identityText({ status: 'unknown' })).toBeNull()
  })
})
