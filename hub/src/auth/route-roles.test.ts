import { OPERATOR_ROLES, roleAtLeast, type OperatorRole } from '@edgefleet/protocol'
import { describe, expect, it } from 'vitest'
import { decideAccess, isRouteRole, rolesSatisfying, type Caller } from './route-roles.ts'

const operator = (role: OperatorRole): Caller => ({ kind: 'operator', name: 'ci', role })
const WHAT = 'POST /api/v1/rollouts'

describe('role order', () => {
  it('is viewer ⊂ operator ⊂ admin: each role may do what the weaker ones may, and no more', () => {
    expect(OPERATOR_ROLES).toEqual(['viewer', 'operator', 'admin'])
    const allowed = OPERATOR_ROLES.map((have) => OPERATOR_ROLES.filter((need) => roleAtLeast(have, need)))
    expect(allowed).toEqual([['viewer'], ['viewer', 'operator'], ['viewer', 'operator', 'admin']])
    expect(rolesSatisfying('viewer')).toBe('viewer, operator or admin')
    expect(rolesSatisfying('operator')).toBe('operator or admin')
    expect(rolesSatisfying('admin')).toBe('admin')
  })

  it('knows the route roles and nothing else', () => {
    for (const r of ['public', 'device', 'viewer', 'operator', 'admin']) expect(isRouteRole(r), r).toBe(true)
    for (const r of ['root', 'Viewer', '', undefined, null, 1]) expect(isRouteRole(r), String(r)).toBe(false)
  })
})

describe('decideAccess', () => {
  it('lets anyone call a public route, even with credentials that do not verify', () => {
    for (const caller of [{ kind: 'anonymous' }, { kind: 'rejected', reason: 'x' }, operator('viewer')] as Caller[]) {
      expect(decideAccess('public', caller, WHAT)).toEqual({ allowed: true })
    }
  })

  it('answers 401 without a token, and 403 naming both roles when the token is too weak', () => {
    expect(decideAccess('operator', { kind: 'anonymous' }, WHAT)).toEqual({
      allowed: false, status: 401, message: expect.stringMatching(/^POST \/api\/v1\/rollouts needs an operator token \(role operator or admin\).*--role operator/),
    })
    expect(decideAccess('operator', { kind: 'rejected', reason: 'unknown or revoked operator token' }, WHAT)).toEqual({ allowed: false, status: 401, message: 'unknown or revoked operator token' })
    expect(decideAccess('operator', operator('viewer'), WHAT)).toEqual({
      allowed: false,
      status: 403,
      message: 'POST /api/v1/rollouts needs an operator or admin token; yours (ci) is viewer: create one with `edgefleet token add <name> --role operator`',
    })
    expect(decideAccess('admin', operator('operator'), WHAT)).toMatchObject({ status: 403, message: expect.stringMatching(/needs an admin token; yours \(ci\) is operator: .*--role admin/) })
  })

  it('allows every role at or above the route\'s', () => {
    for (const need of OPERATOR_ROLES) {
      for (const have of OPERATOR_ROLES) {
        expect(decideAccess(need, operator(have), WHAT).allowed, `${have} on a ${need} route`).toBe(roleAtLeast(have, need))
      }
    }
  })

  it('lets devices and any operator token call a device route, and no one else', () => {
    expect(decideAccess('device', { kind: 'device', deviceId: 'pi-01' }, WHAT)).toEqual({ allowed: true })
    for (const role of OPERATOR_ROLES) expect(decideAccess('device', operator(role), WHAT)).toEqual({ allowed: true })
    expect(decideAccess('device', { kind: 'anonymous' }, WHAT)).toMatchObject({ status: 401, message: expect.stringMatching(/HTTP Basic/) })
    expect(decideAccess('device', { kind: 'rejected', reason: 'wrong secret' }, WHAT)).toMatchObject({ status: 401, message: 'wrong secret' })
  })

  it('never lets a device call an operator route', () => {
    for (const need of OPERATOR_ROLES) expect(decideAccess(need, { kind: 'device', deviceId: 'pi-01' }, WHAT)).toMatchObject({ allowed: false, status: 401 })
  })
})
