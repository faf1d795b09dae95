import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LABEL_JOURNAL_FILE, LabelJournal, MAX_PENDING_LABELS, type PendingLabel } from './label-journal.ts'

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) c()
})

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ef-label-journal-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function open(dir: string, nextSeq: number): LabelJournal {
  const j = LabelJournal.open(dir, nextSeq)
  cleanup.push(() => j.close())
  return j
}

const label = (n: number, dueAt = 1000 + n): PendingLabel => ({ sampleId: `batch1.csv:${n}`, label: n % 2 ? 'Ethanol' : 'Acetone', dueAt })
const ids = (labels: readonly PendingLabel[]): string[] => labels.map((l) => l.sampleId)

describe('LabelJournal', () => {
  it('holds labels until due, earliest first, and forgets them once sent', () => {
    const j = open(stateDir(), 100)
    j.add(100, [label(2, 3000), label(1, 2000)])
    expect(j.due(1999)).toEqual([])
    expect(j.nextDueAt()).toBe(2000)
    expect(ids(j.due(5000))).toEqual(['batch1.csv:1', 'batch1.csv:2'])
    j.markSent(101, ['batch1.csv:1'])
    expect(ids(j.due(5000))).toEqual(['batch1.csv:2'])
    expect(j.size).toBe(1)
  })

  it('after a kill -9, keeps what reached the outbox and ignores what did not (seq at or past the outbox\'s next)', () => {
    const dir = stateDir()
    const j = LabelJournal.open(dir, 100)
    cleanup.push(() => j.close()) // at teardown: the "killed" journal holds its file open until then
    j.add(100, [label(1), label(2)]) // samples message 100: stored
    j.add(101, [label(3)]) // samples message 101: stored
    j.markSent(102, ['batch1.csv:1']) // labels message 102: stored
    j.markSent(103, ['batch1.csv:2']) // labels message 103: killed before the outbox stored it
    j.add(103, [label(4)]) // (the seq came round again) samples message 103: killed before it was stored
    // no close(): the process died; the outbox recovered with next seq 103
    const after = open(dir, 103)
    expect(ids(after.due(Infinity))).toEqual(['batch1.csv:2', 'batch1.csv:3'])
  })

  it('takes back a record whose message the outbox refused, in memory and on disk', () => {
    const dir = stateDir()
    const j = LabelJournal.open(dir, 100)
    cleanup.push(() => j.close()) // at teardown: the "killed" journal holds its file open until then
    j.add(100, [label(1)])
    j.cancel(100) // the samples message was too large: seq 100 is used by the next message instead
    j.add(100, [label(2)])
    j.markSent(101, ['batch1.csv:2'])
    j.cancel(101)
    expect(ids(j.due(Infinity))).toEqual(['batch1.csv:2'])
    // killed now; the next message would have been 101
    expect(ids(open(dir, 101).due(Infinity))).toEqual(['batch1.csv:2'])
  })

  it('skips a torn last line and rewrites the journal with only what is pending on open', () => {
    const dir = stateDir()
    const j = LabelJournal.open(dir, 1)
    cleanup.push(() => j.close()) // at teardown: the "killed" journal holds its file open until then
    for (let i = 1; i <= 5; i++) j.add(i, [label(i)])
    j.markSent(6, ['batch1.csv:1', 'batch1.csv:2'])
    j.discard(['batch1.csv:5'])
    appendFileSync(join(dir, LABEL_JOURNAL_FILE), '{"a":7,"l":[["batch1.csv:9","Eth')
    const again = open(dir, 7)
    expect(ids(again.due(Infinity))).toEqual(['batch1.csv:3', 'batch1.csv:4'])
    const lines = readFileSync(join(dir, LABEL_JOURNAL_FILE), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toEqual({ p: [['batch1.csv:3', 'Ethanol', 1003], ['batch1.csv:4', 'Acetone', 1004]] })
  })

  it('holds at most MAX_PENDING_LABELS and counts the rest', () => {
    const j = open(stateDir(), 1)
    const many = Array.from({ length: MAX_PENDING_LABELS + 5 }, (_, i) => label(i))
    expect(j.add(1, many)).toBe(MAX_PENDING_LABELS)
    expect(j.overflow).toBe(5)
    expect(j.size).toBe(MAX_PENDING_LABELS)
  })
})
