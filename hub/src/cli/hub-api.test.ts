import { describe, expect, it } from 'vitest'
import { refusal } from './hub-api.ts'

describe('refusal', () => {
  it("keeps the hub's code and message, and says where a stronger token goes", () => {
    const body = JSON.stringify({
      statusCode: 403, code: 'HUB_ROLE_INSUFFICIENT', error: 'Forbidden',
      message: 'POST /api/v1/jobs needs an operator or admin token; yours (watch) is viewer: create one with `edgefleet token add <name> --role operator`',
    })
    expect(refusal(403, body)).toMatchObject({
      code: 'HUB_ROLE_INSUFFICIENT',
      statusCode: 403,
      message: 'POST /api/v1/jobs needs an operator or admin token; yours (watch) is viewer: create one with `edgefleet token add <name> --role operator`, then pass it with --token or env EDGEFLEET_TOKEN',
    })
    expect(refusal(401, JSON.stringify({ code: 'HUB_UNAUTHORIZED', message: 'unknown or revoked operator token' }))).toMatchObject({ code: 'HUB_UNAUTHORIZED', message: 'unknown or revoked operator token' })
  })

  it('says what a proxy answered when the body is not the hub\'s', () => {
    expect(refusal(502, '<html>bad gateway</html>')).toMatchObject({ code: 'HUB_INTERNAL', message: 'the hub answered HTTP 502: <html>bad gateway</html>' })
  })
})
