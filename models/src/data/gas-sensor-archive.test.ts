import { zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { extractBatchFiles } from './gas-sensor-archive.ts'
import { uciZip } from './gas-sensor-fixtures.ts'

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

describe('extractBatchFiles', () => {
  it('finds Dataset/batchN.dat in batch order and ignores macOS resource forks', () => {
    const batches = extractBatchFiles(uciZip({ 10: 'ten', 2: 'two', 1: 'one' }, 'flat'), 'gas.zip')
    expect(batches.map((b) => [b.batch, b.entry, text(b.bytes)])).toEqual([
      [1, 'gas.zip/Dataset/batch1.dat', 'one'],
      [2, 'gas.zip/Dataset/batch2.dat', 'two'],
      [10, 'gas.zip/Dataset/batch10.dat', 'ten'],
    ])
  })

  it('opens a zip nested in the archive', () => {
    const batches = extractBatchFiles(uciZip({ 8: 'eight' }, 'nested'), 'gas.zip')
    expect(batches.map((b) => [b.entry, text(b.bytes)])).toEqual([['gas.zip/Dataset.zip/Dataset/batch8.dat', 'eight']])
  })

  it('fails with DATA_FORMAT_INVALID on something that is not a zip, or has no batch', () => {
    expect(() => extractBatchFiles(new TextEncoder().encode('<html>moved</html>'), 'gas.zip')).toThrow(
      expect.objectContaining({ code: 'DATA_FORMAT_INVALID', message: expect.stringContaining('gas.zip is not a readable zip') }),
    )
    const noBatch = zipSync({ 'Dataset/readme.txt': new Uint8Array([65]) })
    expect(() => extractBatchFiles(noBatch, 'gas.zip')).toThrow(
      expect.objectContaining({ code: 'DATA_FORMAT_INVALID', message: expect.stringContaining('holds no batchN.dat') }),
    )
  })
})
