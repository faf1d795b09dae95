import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'

/** Lowercase hex sha256 of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Lowercase hex sha256 of bytes or text (UTF-8). */
export function sha256Of(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Size of a regular file, or `null` when there is none at `path`. */
export async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path)
    return s.isFile() ? s.size : null
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** True when `path` is a non-empty file and, if `sha256` is given, has exactly that digest. */
export async function isFileValid(path: string, sha256?: string): Promise<boolean> {
  const size = await fileSize(path)
  if (!size) return false
  return sha256 === undefined || (await sha256File(path)) === sha256
}
