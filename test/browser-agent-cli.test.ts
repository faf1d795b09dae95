import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/agent-process.ts'

/** `edgefleet device add|rotate-secret --link`: the provisioning links of browser devices, from the real CLI. */
let dataDir: string
const edgefleet = (...args: string[]) => runCli('hub/src/cli/main.ts', [...args, '--data-dir', dataDir])

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ef-browser-agent-cli-'))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

describe('provisioning links', () => {
  it('prints a link with the new secret when a device is added and when its secret is rotated', async () => {
    const added = await edgefleet('device', 'add', 'phone-1', '--link', 'http://192.168.1.20:8080')
    expect(added.code).toBe(0)
    const link = /^ {2}(http:\/\/192\.168\.1\.20:8080\/agent#\S+)$/m.exec(added.stdout)?.[1]
    expect(link, added.stdout).toBeDefined()
    const fragment = new URLSearchParams(new URL(link!).hash.slice(1))
    const secret = /secret \(MQTT password\): (\S+)/.exec(added.stdout)![1]
    expect([fragment.get('device'), fragment.get('secret')]).toEqual(['phone-1', secret])
    expect(added.stdout).toMatch(/it holds the secret/)

    const rotated = await edgefleet('device', 'rotate-secret', 'phone-1', '--link', 'https://fleet.example.com/hub', '--json')
    const { secret: next, link: nextLink } = JSON.parse(rotated.stdout) as { secret: string; link: string }
    expect(nextLink.startsWith('https://fleet.example.com/hub/agent#device=phone-1&')).toBe(true)
    expect(new URLSearchParams(new URL(nextLink).hash.slice(1)).get('secret')).toBe(next)
    expect(next).not.toBe(secret)
    // the same hub key in both links
    expect(new URLSearchParams(new URL(nextLink).hash.slice(1)).get('key')).toBe(fragment.get('key'))
  })

  it('refuses a link that is not a hub URL before adding the device, and documents the links in --help', async () => {
    const refused = await edgefleet('device', 'add', 'phone-2', '--link', 'mqtt://hub:1883')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/--link needs an http:\/\/ or https:\/\/ URL/)
    const list = await edgefleet('device', 'list', '--json')
    expect((JSON.parse(list.stdout) as { id: string }[]).map((d) => d.id)).toEqual(['phone-1'])
    const help = await runCli('hub/src/cli/main.ts', ['device', 'add', '--help'])
    expect(help.stdout).toMatch(/--link <hub-url>/)
    expect(help.stdout).toMatch(/Browser devices: with --link <hub-url>, open the printed link in a browser/)
  })
})
