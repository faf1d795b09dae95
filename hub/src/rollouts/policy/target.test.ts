import { describe, expect, it } from 'vitest'
import { RolloutPolicyError } from './errors.ts'
import { formatTarget, matchesTarget, parseTarget, type RolloutTarget } from './target.ts'

const device = (id: string, tags: Record<string, string> = {}) => ({ id, tags })

function usage(spec: string): RolloutPolicyError {
  try {
    parseTarget(spec)
  } catch (err) {
    expect(err).toBeInstanceOf(RolloutPolicyError)
    expect((err as RolloutPolicyError).code).toBe('HUB_USAGE')
    expect((err as RolloutPolicyError).statusCode).toBe(400)
    return err as RolloutPolicyError
  }
  throw new Error(`parseTarget(${JSON.stringify(spec)}) did not throw`)
}

describe('parseTarget', () => {
  it('reads all, tags and ids', () => {
    expect(parseTarget('all')).toEqual({ kind: 'all' })
    expect(parseTarget(' tag:site=berlin ')).toEqual({ kind: 'tags', tags: { site: 'berlin' } })
    expect(parseTarget('tag:site=berlin,tier=gold')).toEqual({ kind: 'tags', tags: { site: 'berlin', tier: 'gold' } })
    expect(parseTarget('tag:site=berlin,tag:tier=gold')).toEqual({ kind: 'tags', tags: { site: 'berlin', tier: 'gold' } })
    expect(parseTarget('dev-1,dev-2, dev-3')).toEqual({ kind: 'ids', ids: ['dev-1', 'dev-2', 'dev-3'] })
    expect(parseTarget('dev-1')).toEqual({ kind: 'ids', ids: ['dev-1'] })
    expect(parseTarget('id:all')).toEqual({ kind: 'ids', ids: ['all'] })
  })

  it('keeps tag values with = and : in them', () => {
    expect(parseTarget('tag:loc=a:b=c')).toEqual({ kind: 'tags', tags: { loc: 'a:b=c' } })
  })

  it('drops repeated ids and repeated identical tags', () => {
    expect(parseTarget('a,b,a')).toEqual({ kind: 'ids', ids: ['a', 'b'] })
    expect(parseTarget('tag:site=x,site=x')).toEqual({ kind: 'tags', tags: { site: 'x' } })
  })

  it('says what to write instead of an empty or unknown form', () => {
    expect(usage('').message).toMatch(/write all, tag:key=value/)
    expect(usage('tags:site=x').message).toMatch(/unknown form "tags:".*write all, tag:key=value/)
    expect(usage('site=berlin').message).toMatch(/write tag:site=berlin/)
  })

  it('refuses bad tags, naming each', () => {
    const err = usage('tag:site,=x,ok=1')
    expect(err.message).toMatch(/"site": write key=value/)
    expect(err.message).toMatch(/"=x": write key=value/)
    expect(usage('tag:').message).toMatch(/write key=value/)
    expect(usage(`tag:k=${'v'.repeat(257)}`).message).toMatch(/1–256 characters/)
  })

  it('refuses the same tag with two values: no device could match', () => {
    expect(usage('tag:site=a,site=b').message).toMatch(/tag site is given twice \(a, b\).*no device would match/)
  })

  it('refuses empty and malformed ids', () => {
    expect(usage('a,,b').message).toMatch(/an id is empty/)
    expect(usage('a,b/c,_x').message).toMatch(/not a device id: "b\/c", "_x"/)
  })

  it('round-trips through formatTarget', () => {
    const targets: RolloutTarget[] = [
      { kind: 'all' },
      { kind: 'tags', tags: { site: 'berlin', tier: 'gold' } },
      { kind: 'ids', ids: ['a', 'b'] },
      { kind: 'ids', ids: ['all'] },
    ]
    for (const t of targets) expect(parseTarget(formatTarget(t))).toEqual(t)
    expect(formatTarget({ kind: 'tags', tags: { site: 'berlin' } })).toBe('tag:site=berlin')
  })
})

describe('matchesTarget', () => {
  it('all matches every device', () => {
    expect(matchesTarget({ kind: 'all' }, device('x'))).toBe(true)
  })

  it('tags match only when every tag is there with the same value', () => {
    const t = parseTarget('tag:site=berlin,tier=gold')
    expect(matchesTarget(t, device('a', { site: 'berlin', tier: 'gold', extra: '1' }))).toBe(true)
    expect(matchesTarget(t, device('b', { site: 'berlin' }))).toBe(false)
    expect(matchesTarget(t, device('c', { site: 'berlin', tier: 'silver' }))).toBe(false)
    expect(matchesTarget(t, device('d'))).toBe(false)
  })

  it('does not match inherited properties as tags', () => {
    expect(matchesTarget({ kind: 'tags', tags: { toString: 'x' } }, device('a'))).toBe(false)
  })

  it('ids match exactly those devices', () => {
    const t = parseTarget('a,b')
    expect(matchesTarget(t, device('a'))).toBe(true)
    expect(matchesTarget(t, device('b', { site: 'x' }))).toBe(true)
    expect(matchesTarget(t, device('c'))).toBe(false)
    expect(matchesTarget(t, device('A'))).toBe(false)
  })
})
