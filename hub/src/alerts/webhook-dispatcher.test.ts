import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alertExample, type Alert } from '@edgefleet/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteRegistry } from '../registry/sqlite-registry.ts'
import { freePorts } from '../test-support/free-ports.ts'
import { startWebhookReceiver, type HookAnswer, type WebhookReceiver } from '../test-support/webhook-receiver.ts'
import type { WebhookOutcome } from './alert-observer.ts'
import { WebhookDispatcher, type AlertLogger, type WebhookDispatcherOptions } from './webhook-dispatcher.ts'
import { verifyWebhookSignature } from './webhook-signature.ts'

const SECRET = 'test-secret-0123456789'
const POLL = { timeout: 10_000, interval: 20 }

let dir: string
let store: SqliteRegistry
const closers: (() => Promise<void>)[] = []
const logs: { level: string; o: object; m: string }[] = []
const outcomes: WebhookOutcome[] = []
const logger: AlertLogger = Object.fromEntries(
  ['debug', 'info', 'warn', 'error'].map((level) => [level, (o: object, m: string) => logs.push({ level, o, m })]),
) as unknown as AlertLogger

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ef-webhooks-'))
  store = await SqliteRegistry.open(join(dir, 'registry.db'))
  logs.length = 0
  outcomes.length = 0
})

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

async function receiver(answer: (n: number) => HookAnswer): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(answer)
  closers.push(() => r.close())
  return r
}

/** A dispatcher with short retries (10 ms doubling to 40 ms, no jitter) for `urls`. */
function dispatcher(urls: string[], o: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
  const d = new WebhookDispatcher({
    store, urls, secret: SECRET, timeoutMs: 5000, logger, random: () => 0,
    retry: { maxAttempts: 5, retryMs: 10, maxRetryMs: 40 },
    observer: { webhookAttempted: (outcome) => outcomes.push(outcome) },
    ...o,
  })
  closers.push(() => d.close())
  return d
}

async function queue(id: string, urls: string[]): Promise<Alert> {
  const alert = { ...alertExample, id }
  await store.insertAlert(alert, urls)
  return alert
}

const deliveries = async (id: string) => (await store.listWebhookDeliveries(id)).map((d) => ({ state: d.state, attempts: d.attempts, lastStatus: d.lastStatus }))

describe('WebhookDispatcher', () => {
  it('retries 5xx and 429 until delivered, with the signed alert JSON each time', async () => {
    const hook = await receiver((n) => [503, { status: 429, headers: { 'retry-after': '0' } }, 500, 204][n] ?? 204)
    const alert = await queue('al-1', [hook.url])
    dispatcher([hook.url]).kick()
    await expect.poll(() => deliveries('al-1'), POLL).toEqual([{ state: 'delivered', attempts: 4, lastStatus: 204 }])
    expect(outcomes).toEqual(['retried', 'retried', 'retried', 'delivered'])
    expect(hook.requests).toHaveLength(4)
    for (const [i, r] of hook.requests.entries()) {
      expect(r.method).toBe('POST')
      expect(JSON.parse(r.body)).toEqual(alert)
      expect(r.headers['content-type']).toBe('application/json')
      expect(verifyWebhookSignature(r.body, SECRET, r.headers['x-edgefleet-signature'] as string)).toBe(true)
      expect(r.headers['x-edgefleet-attempt']).toBe(String(i + 1))
      expect(r.headers['x-edgefleet-delivery']).toBe(hook.requests[0]!.headers['x-edgefleet-delivery'])
    }
    expect(logs.filter((l) => l.level === 'warn').map((l) => (l.o as { err: string }).err)).toEqual(['HTTP 503', 'HTTP 429', 'HTTP 500'])
  })

  it('fails at once on a 4xx other than 429, and logs why', async () => {
    const hook = await receiver(() => 404)
    await queue('al-1', [hook.url])
    dispatcher([hook.url]).kick()
    await expect.poll(() => deliveries('al-1'), POLL).toEqual([{ state: 'failed', attempts: 1, lastStatus: 404 }])
    expect(outcomes).toEqual(['failed'])
    expect(logs.find((l) => l.level === 'error')).toMatchObject({ m: 'webhook delivery failed for good', o: { err: expect.stringContaining('HTTP 404') } })
    // the log names the receiver's origin only: webhook paths often hold secrets
    expect(JSON.stringify(logs)).not.toContain('/hooks/alerts')
  })

  it('gives up after the last attempt when nobody listens', async () => {
    const [port] = await freePorts(1)
    const url = `http://127.0.0.1:${port}/hook`
    await queue('al-1', [url])
    dispatcher([url], { retry: { maxAttempts: 3, retryMs: 10, maxRetryMs: 40 } }).kick()
    await expect.poll(() => deliveries('al-1'), POLL).toEqual([{ state: 'failed', attempts: 3, lastStatus: null }])
    expect(outcomes).toEqual(['retried', 'retried', 'failed'])
    expect((await store.listWebhookDeliveries('al-1'))[0]!.lastError).toMatch(/ECONNREFUSED[\s\S]*gave up after 3 attempts/)
  })

  it('counts a receiver that does not answer in time as a failed attempt', async () => {
    const hook = await receiver((n) => (n === 0 ? 'hang' : 200))
    await queue('al-1', [hook.url])
    dispatcher([hook.url], { timeoutMs: 200 }).kick()
    await expect.poll(() => deliveries('al-1'), POLL).toEqual([{ state: 'delivered', attempts: 2, lastStatus: 200 }])
    expect(logs.find((l) => l.level === 'warn')!.o).toMatchObject({ err: 'no response within 200 ms' })
  })

  it('delivers what a previous hub left pending, to every URL, unsigned without a secret', async () => {
    const a = await receiver(() => 200)
    const b = await receiver(() => 200)
    // queued by a hub that stopped before delivering
    await queue('al-1', [a.url, b.url])
    await queue('al-2', [a.url])
    dispatcher([a.url, b.url], { secret: undefined }).kick()
    await expect.poll(async () => [...(await deliveries('al-1')), ...(await deliveries('al-2'))].map((d) => d.state), POLL).toEqual(['delivered', 'delivered', 'delivered'])
    expect(a.requests.map((r) => (JSON.parse(r.body) as Alert).id).sort()).toEqual(['al-1', 'al-2'])
    expect(b.requests).toHaveLength(1)
    expect(a.requests[0]!.headers['x-edgefleet-signature']).toBeUndefined()
  })

  it('drops a delivery whose URL was removed from the settings', async () => {
    const hook = await receiver(() => 200)
    await queue('al-1', ['http://127.0.0.1:9/removed'])
    dispatcher([hook.url]).kick()
    await expect.poll(() => deliveries('al-1'), POLL).toEqual([{ state: 'failed', attempts: 1, lastStatus: null }])
    expect(hook.requests).toEqual([])
  })

  it('close() aborts a request in flight and leaves the delivery pending for the next start', async () => {
    const hook = await receiver(() => 'hang')
    await queue('al-1', [hook.url])
    const d = dispatcher([hook.url])
    d.kick()
    await expect.poll(() => hook.requests.length, POLL).toBe(1)
    await d.close()
    expect(await deliveries('al-1')).toEqual([{ state: 'pending', attempts: 0, lastStatus: null }])
    expect(outcomes).toEqual([])
  })
})
