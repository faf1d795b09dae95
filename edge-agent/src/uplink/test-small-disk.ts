import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A real, small file system for disk-full tests: a tmpfs mounted on a temp directory. */
export interface SmallDisk {
  /** the mount point */
  readonly dir: string
  /** bytes a non-root writer may still use */
  free(): number
  /** writes a ballast file until at most `leaveBytes` are free (0: until the disk refuses with ENOSPC) */
  fill(leaveBytes?: number): void
  /** deletes the ballast: the space is free again */
  unfill(): void
  /** unmounts and removes the mount point */
  unmount(): void
}

/** What a test says when it cannot mount: these tests need a real full disk, so they fail rather than skip. */
export const SMALL_DISK_NEEDS_ROOT =
  'this test mounts a small tmpfs (mount -t tmpfs) to fill a real disk: run it as root or with CAP_SYS_ADMIN (CI runs as root)'

const CHUNK = Buffer.alloc(4096, 0x5a)

/** Mounts a tmpfs of `bytes` on a fresh temp directory; throws {@link SMALL_DISK_NEEDS_ROOT} when mounting is not permitted. */
export function mountSmallDisk(bytes: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'ef-small-disk-'))
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' })
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`${SMALL_DISK_NEEDS_ROOT}; mount said: ${(r.stderr || r.error?.message || '').trim()}`)
  }
  const ballast = join(dir, 'ballast')
  const free = (): number => {
    const s = statfsSync(dir)
    return s.bavail * s.bsize
  }
  return {
    dir,
    free,
    fill(leaveBytes = 0) {
      const fd = openSync(ballast, 'a')
      try {
        while (free() > leaveBytes) writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, Math.max(1, free() - leaveBytes)))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
      } finally {
        closeSync(fd)
      }
    },
    unfill() {
      rmSync(ballast, { force: true })
    },
    unmount() {
      spawnSync('umount', ['-l', dir])
      try {
        rmSync(dir, { recursive: true, force: true })
      } catch {
        // still busy: the lazy unmount finishes when its last file is closed
      }
    },
  }
}

