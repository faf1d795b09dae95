import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const SHA256 = /^[0-9a-f]{64}$/

/**
 * The hub's content-addressed store of ONNX files: `<data dir>/models/<sha256>.onnx`. A file is
 * written under a temporary name and renamed only after its digest checks, so a file under its
 * final name always has that digest; the same bytes pushed twice are stored once.
 */
export class ModelBlobs {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new RangeError(`not a sha256 digest: ${JSON.stringify(sha256)}`)
    return join(this.dir, `${sha256}.onnx`)
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(() => true, () => false)
  }

  /** Stores `bytes` under their digest, which must be `sha256`; returns the path. */
  async put(sha256: string, bytes: Uint8Array): Promise<string> {
    const actual = createHash('sha256').update(bytes).digest('hex')
    if (actual !== sha256) throw new RangeError(`the bytes hash to ${actual}, not ${sha256}`)
    const path = this.pathOf(sha256)
    if (await this.has(sha256)) return path
    await mkdir(this.dir, { recursive: true })
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await writeFile(temp, bytes)
      await rename(temp, path)
    } catch (err) {
      await unlink(temp).catch(() => undefined)
      throw err
    }
    return path
  }

  get(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256))
  }
}
