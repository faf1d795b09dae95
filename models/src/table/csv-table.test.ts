import { describe, expect, it } from 'vitest'
import { CsvTrainError } from '../errors.ts'
import { detectDelimiter, looksLikeHeader, numberOf, parseCsvText } from './csv-table.ts'
import { numericColumns } from './table-columns.ts'

describe('parseCsvText reads real-world CSV', () => {
  it('handles quotes, a BOM, CRLF, blank lines and a detected header', () => {
    const t = parseCsvText('\uFEFFname,"temp, °C",note\r\n"a",21.5,"said ""hi"""\r\n\r\nb,NA,"two\nlines"\r\n', 'x.csv')
    expect(t.columns).toEqual(['name', 'temp, °C', 'note'])
    expect(t.rows).toEqual([['a', '21.5', 'said "hi"'], ['b', 'NA', 'two\nlines']])
    expect(t.named).toBe(true)
  })
  it('detects ; and tab separators, and files without a header', () => {
    expect(detectDelimiter('a;b;c')).toBe(';')
    expect(detectDelimiter('a\tb\tc')).toBe('\t')
    expect(detectDelimiter('"x;y",b,c')).toBe(',')
    const t = parseCsvText('1;2;3\n4;5;6\n', 'y.csv')
    expect(t).toMatchObject({ columns: ['col1', 'col2', 'col3'], named: false, delimiter: ';' })
    expect(t.rows).toHaveLength(2)
    expect(parseCsvText('1,2\n3,4\n', 'z.csv', { columns: ['p', 'q'] }).columns).toEqual(['p', 'q'])
    expect(parseCsvText('p,q\n', 'h.csv', { header: 'yes' }).rows).toEqual([])
  })
  it('tells a header from a first row of text data', () => {
    expect(looksLikeHeader(['x', 'y', 'label'], [['1', '2', 'cat'], ['3', '4', 'dog']])).toBe(true)
    expect(looksLikeHeader(['1', '2', 'cat'], [['3', '4', 'dog']])).toBe(false)
    expect(looksLikeHeader(['x', '', 'label'], [['1', '2', 'cat']])).toBe(false)
  })
  it('refuses a ragged row with its line, and reads missing values as NaN', () => {
    expect(() => parseCsvText('a,b\n1,2\n3\n', 'r.csv')).toThrow(CsvTrainError)
    expect(() => parseCsvText('a,b\n1,2\n3\n', 'r.csv')).toThrow(/r.csv is not valid CSV: .*line 3/)
    for (const missing of ['', 'NA', 'n/a', 'NaN', 'null', '?']) expect(numberOf(missing)).toBeNaN()
    expect(numberOf('1e3')).toBe(1000)
    expect(numberOf('12 kg')).toBeUndefined()
  })
})

describe('numericColumns', () => {
  it('names the column and line of a text value', () => {
    const t = parseCsvText('a,b\n1,2\n3,high\n', 't.csv')
    expect(() => numericColumns(t, ['a', 'b'], 2)).toThrow(/column "b" holds text \("high" at t.csv:3\)/)
    expect(numericColumns(t, ['a'], 2)).toMatchObject({ rows: 2, width: 1, missing: [0] })
    expect(() => numericColumns(t, ['c'], 2)).toThrow(/feature "c" is not a column of t.csv \(columns: a, b\)/)
  })
})
