import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { uptime } from 'node:os'
import { join } from 'node:path'
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { AgentError } from '../errors.ts'

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })

/**
 * `state.json` of an outbox directory, replaced atomically (write temp, fsync, rename, fsync dir).
 * It is a cursor, not a log: the records themselves live in the lanes' segment files.
 */
export const OutboxStateSchema = Type.Object({
  format: Type.Literal(1),
  deviceId: Type.String(),
  /** the seq the next enqueued message gets */
  nextSeq: Count,
  /**
   * seqs below this may already have been handed out. Persisted (fsynced) before a seq at or above
   * it is used, so a power cut that loses the tail of a segment can never lead to a seq being reused.
   */
  reservedSeq: Count,
  /** per lane: every record with a lower seq has been acknowledged by the broker or dropped */
  heads: Type.Object({ telemetry: Count, priority: Count }),
  /** messages dropped because the outbox was full, per channel, over the life of this directory */
  dropped: Type.Record(Type.String(), Count),
  /** the machine boot this state was written in (tells a kill -9 from a power cut on restart) */
  bootId: Type.String(),
  /** true when the last writer closed the outbox cleanly */
  clean: Type.Boolean(),
})
/** The contents of `state.json`. */
export type OutboxState = Static<typeof OutboxStateSchema>

const checkState = Compile(OutboxStateSchema)
const STATE_FILE = 'state.json'
const LOCK_FILE = 'lock'

/** Reads `state.json`; `undefined` when there is none yet. A file that is not ours is an error, never silently reset. */
export function readState(dir: string): OutboxState | undefined {
  let text: string
  try {
    text = readFileSync(join(dir, STATE_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AgentError('AGENT_OUTBOX_FAILED', `cannot read ${join(dir, STATE_FILE)}: ${(err as Error).message}`, { cause: err })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new AgentError('AGENT_OUTBOX_FAILED', `${join(dir, STATE_FILE)} is not JSON; move the state directory aside to start afresh`, { cause })
  }
  if (!checkState.Check(value)) {
    throw new AgentError('AGENT_OUTBOX_FAILED', `${join(dir, STATE_FILE)} is not an edgefleet outbox state; move the state directory aside to start afresh`)
  }
  return value
}

/** Replaces `state.json` atomically and durably. */
export function writeState(dir: string, state: OutboxState): void {
  const path = join(dir, STATE_FILE)
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, JSON.stringify(state))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  fsyncDir(dir)
}

/** Makes a rename or unlink in `dir` durable; some platforms cannot fsync a directory, which is not fatal. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Windows and some network file systems refuse; the rename is still atomic there
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Identifies the current boot of the machine: Linux's boot_id, else the boot time to the minute.
 * A wrong answer only ever errs towards "rebooted", which costs a gap in seqs, never a reuse.
 */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return `boot-minute-${Math.round((Date.now() / 1000 - uptime()) / 60)}`
  }
}

/**
 * Takes the directory's lock file for this process. A lock left by a process that is gone (or by
 * an earlier boot) is taken over; a live holder is an AGENT_STATE_LOCKED error. Returns the release.
 */
export function acquireLock(dir: string, bootId: string): () => void {
  const path = join(dir, LOCK_FILE)
  const mine = JSON.stringify({ pid: process.pid, bootId })
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' })
      return () => {
        try {
          unlinkSync(path)
        } catch {
          // already gone: nothing to release
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AgentError('AGENT_OUTBOX_FAILED', `cannot create ${path}: ${(err as Error).message}. Check that the state directory is writable.`, { cause: err })
      }
    }
    const holder = readLock(path)
    if (holder && holder.bootId === bootId && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new AgentError('AGENT_STATE_LOCKED', `state directory ${dir} is in use by another agent (pid ${holder.pid}); stop it or give this one its own --state-dir`)
    }
    unlinkSync(path)
  }
  throw new AgentError('AGENT_STATE_LOCKED', `cannot take the lock ${path}: another agent keeps recreating it`)
}

function readLock(path: string): { pid: number; bootId: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; bootId?: unknown }
    return typeof v.pid === 'number' && typeof v.bootId === 'string' ? { pid: v.pid, bootId: v.bootId } : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
