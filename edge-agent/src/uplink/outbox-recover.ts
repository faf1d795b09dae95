import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { deviceTopic } from '@edgefleet/protocol'
import { AgentError, type Logger } from '../errors.ts'
import { Lane } from './outbox-lane.ts'
import { acquireLock, currentBootId, readState, writeState, type OutboxState } from './outbox-state.ts'

/** What opening an outbox directory yields: its lanes, its cursor, and the release of its lock. */
export interface RecoveredOutbox {
  dir: string
  lanes: { telemetry: Lane; priority: Lane }
  state: OutboxState
  /** releases the lock (and the in-process claim) on the directory */
  release: () => void
}

/** directories open in this process: the lock file cannot tell two outboxes of one process apart */
const openDirs = new Set<string>()

/**
 * Opens an outbox directory: takes its lock, recovers both lanes from their segments (cutting off a
 * torn tail), and restores the numbering: the next seq is past every seq recorded or found on disk,
 * and past the durable reservation when the machine rebooted after an unclean stop; a new directory
 * starts at `firstSeq`. Writes the state
 * back marked unclean (a clean close marks it clean again).
 */
export function recoverOutbox(dir: string, deviceId: string, segmentBytes: number, firstSeq: number, logger: Logger): RecoveredOutbox {
  deviceTopic(deviceId, 'pred') // throws a TypeError naming a bad device id before any file is touched
  if (openDirs.has(dir)) throw new AgentError('AGENT_STATE_LOCKED', `outbox ${dir} is already open in this process`)
  try {
    mkdirSync(dir, { recursive: true })
  } catch (cause) {
    throw new AgentError('AGENT_OUTBOX_FAILED', `cannot create the state directory ${dir}: ${(cause as Error).message}`, { cause })
  }
  const bootId = currentBootId()
  const releaseLock = acquireLock(dir, bootId)
  const lanes: Lane[] = []
  try {
    const prev = readState(dir)
    if (prev && prev.deviceId !== deviceId) {
      throw new AgentError('AGENT_OUTBOX_FAILED', `state directory ${dir} belongs to device ${prev.deviceId}, not ${deviceId}; give each device its own --state-dir`)
    }
    const t = Lane.recover(join(dir, 'telemetry'), prev?.heads.telemetry ?? 0, segmentBytes, logger)
    lanes.push(t.lane)
    const p = Lane.recover(join(dir, 'priority'), prev?.heads.priority ?? 0, segmentBytes, logger)
    lanes.push(p.lane)
    let nextSeq = Math.max(prev?.nextSeq ?? firstSeq, t.maxSeq + 1, p.maxSeq + 1, 1)
    if (prev && !prev.clean && prev.bootId !== bootId && prev.reservedSeq > nextSeq) {
      // the machine went down uncleanly: seqs up to the reservation may have been sent, then lost from disk
      logger.warn({ from: nextSeq, to: prev.reservedSeq }, 'outbox: resuming numbering past the seqs reserved before an unclean reboot')
      nextSeq = prev.reservedSeq
    }
    const state: OutboxState = {
      format: 1,
      deviceId,
      nextSeq,
      reservedSeq: Math.max(prev?.reservedSeq ?? 0, nextSeq),
      heads: { telemetry: t.lane.headSeq ?? nextSeq, priority: p.lane.headSeq ?? nextSeq },
      dropped: prev?.dropped ?? {},
      bootId,
      clean: false,
    }
    writeState(dir, state)
    const pending = t.lane.pending + p.lane.pending
    if (pending > 0) logger.info({ pending, nextSeq }, 'outbox: messages from an earlier run are waiting to be sent')
    openDirs.add(dir)
    const release = (): void => {
      openDirs.delete(dir)
      releaseLock()
    }
    return { dir, lanes: { telemetry: t.lane, priority: p.lane }, state, release }
  } catch (err) {
    for (const lane of lanes) lane.close()
    releaseLock()
    if (err instanceof AgentError) throw err
    throw new AgentError('AGENT_OUTBOX_FAILED', `cannot open the outbox in ${dir}: ${(err as Error).message}`, { cause: err })
  }
}
