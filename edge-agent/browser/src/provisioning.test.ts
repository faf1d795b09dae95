import { describe, expect, it } from 'vitest'
import { PROVISIONING_STORAGE_KEY, parseProvisioningFragment, takeProvisioning, type KeyValueStore } from './provisioning.ts'

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

const LINK = '#device=phone-1&secret=s3cr%2Bt%2F%3D&key=MCowBQYDK2VwAyEA_x-1'

describe('provisioning', () => {
  it('takes the device from the link, keeps it, and finds it again on the next visit', () => {
    const store = memoryStore()
    expect(takeProvisioning(LINK, store)).toEqual({ provisioning: { deviceId: 'phone-1', secret: 's3cr+t/=', hubKey: 'MCowBQYDK2VwAyEA_x-1' }, fromLink: true })
    expect(takeProvisioning('', store)).toEqual({ provisioning: { deviceId: 'phone-1', secret: 's3cr+t/=', hubKey: 'MCowBQYDK2VwAyEA_x-1' }, fromLink: false })
    // a new link replaces the device
    expect(takeProvisioning('#device=cam-2&secret=x&key=AAAA', store).provisioning?.deviceId).toBe('cam-2')
    expect(JSON.parse(store.data.get(PROVISIONING_STORAGE_KEY)!)).toMatchObject({ deviceId: 'cam-2' })
  })

  it('is nothing for a page never provisioned, or with damaged storage', () => {
    const store = memoryStore()
    expect(takeProvisioning('#other=1', store)).toEqual({ provisioning: null, fromLink: false })
    store.setItem(PROVISIONING_STORAGE_KEY, '{"deviceId":')
    expect(takeProvisioning('', store).provisioning).toBeNull()
  })

  it('says what is wrong with a link cut short', () => {
    expect(() => parseProvisioningFragment('#device=phone-1&secret=abc')).toThrow(/no hub key/)
    expect(() => parseProvisioningFragment('#device=phone-1&key=AAAA')).toThrow(/no secret/)
    expect(() => parseProvisioningFragment('#device=_x&secret=a&key=AAAA')).toThrow(/no valid device id/)
  })
})
