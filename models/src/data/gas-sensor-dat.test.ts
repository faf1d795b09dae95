import { describe, expect, it } from 'vitest'
import { DataFetchError } from './errors.ts'
import { csvToDat, sharedCsv } from './gas-sensor-fixtures.ts'
import { datToCsv } from './gas-sensor-dat.ts'

const features = (n: number, value = '1.5'): string =>
  Array.from({ length: n }, (_, i) => `${i + 1}:${value}`).join(' ')

function formatError(fn: () => unknown): DataFetchError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(DataFetchError)
    expect((err as DataFetchError).code).toBe('DATA_FORMAT_INVALID')
    return err as DataFetchError
  }
  throw new Error('expected a DATA_FORMAT_INVALID error')
}

describe('datToCsv', () => {
  it('turns every UCI batch file into the shared CSV byte for byte, LF or CRLF', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 8, 9]) {
      const shared = sharedCsv(n).toString('utf8')
      expect(datToCsv(csvToDat(shared), `batch${n}.dat`).csv).toBe(shared)
    }
    const shared = sharedCsv(4).toString('utf8')
    expect(datToCsv(csvToDat(shared, '\r\n'), 'batch4.dat')).toEqual({ csv: shared, rows: 161 })
  })

  it('prints every number with six decimals and names the gas', () => {
    const { csv } = datToCsv(`6;50 ${features(127)} 128:-1e-3\n\n`, 'b.dat')
    expect(csv).toBe(`Toluene,50.000000,${Array(127).fill('1.500000').join(',')},-0.001000 \n`)
  })

  it('rejects a line without 128 features, naming the file and line', () => {
    const err = formatError(() => datToCsv(`1;10 ${features(128)}\n2;20 ${features(127)}\n`, 'batch9.dat'))
    expect(err.message).toContain('batch9.dat line 2')
    expect(err.message).toContain('expected 128 features, found 127')
  })

  it('rejects an unknown gas class', () => {
    expect(formatError(() => datToCsv(`7;10 ${features(128)}\n`, 'b.dat')).message).toContain('unknown gas class 7')
  })

  it('rejects numbers that are not finite and features out of order', () => {
    expect(formatError(() => datToCsv(`1;10 ${features(128, 'NaN')}\n`, 'b.dat')).message).toContain(
      'feature 1 is not a finite number',
    )
    expect(formatError(() => datToCsv(`1;1e999 ${features(128)}\n`, 'b.dat')).message).toContain('concentration')
    const swapped = `1;10 2:1 1:1 ${features(128).split(' ').slice(2).join(' ')}\n`
    expect(formatError(() => datToCsv(swapped, 'b.dat')).message).toContain('expected feature "1:<value>"')
  })

  it('rejects a file without samples', () => {
    expect(formatError(() => datToCsv('\n\n', 'batch3.dat')).message).toContain('batch3.dat: no samples')
  })
})
