import { describe, expect, it } from 'vitest'
import { parseLabelsCsv } from './labels-csv.ts'

describe('parseLabelsCsv', () => {
  it('reads the required columns, optional ts (ms or ISO 8601) and source, quoted fields and CRLF', () => {
    const csv = '\uFEFFdevice_id,sample_id,label,ts,source\r\n' +
      'pi-01,s-1,Toluene,1700000000000,lab\r\n' +
      'pi-01,"s-2","Acetone, pure",2025-06-01T12:00:00Z,"operator:ana"\r\n' +
      '\r\n' +
      'pi-02,s-3,"say ""hi""\nthere",,\r\n'
    expect(parseLabelsCsv(csv)).toEqual([
      { deviceId: 'pi-01', sampleId: 's-1', label: 'Toluene', ts: 1_700_000_000_000, source: 'lab' },
      { deviceId: 'pi-01', sampleId: 's-2', label: 'Acetone, pure', ts: Date.parse('2025-06-01T12:00:00Z'), source: 'operator:ana' },
      { deviceId: 'pi-02', sampleId: 's-3', label: 'say "hi"\nthere' },
    ])
  })

  it('takes the columns in any order, and numeric labels as text', () => {
    expect(parseLabelsCsv('label,sample_id,device_id\n3,s-1,pi-01')).toEqual([{ deviceId: 'pi-01', sampleId: 's-1', label: '3' }])
  })

  it('refuses the first bad line, naming it', () => {
    const bad = (csv: string) => () => parseLabelsCsv(csv, 'labels.csv')
    const head = 'device_id,sample_id,label\n'
    expect(bad('')).toThrow(/labels\.csv line 1 is empty/)
    expect(bad('device_id,sample_id\n')).toThrow(/line 1 \(the header\) lacks label/)
    expect(bad('device_id,sample_id,label,colour\n')).toThrow(/line 1 \(the header\) has an unknown column "colour"/)
    expect(bad(`${head}pi-01,s-1,A\npi-01,s-2\n`)).toThrow(/line 3 has 2 fields, the header 3/)
    expect(bad(`${head}pi-01,s-1,A\n"pi/01",s-2,A\n`)).toThrow(/line 3 device_id "pi\/01"/)
    expect(bad(`${head}pi-01,s-1,\n`)).toThrow(/line 2 label ""/)
    expect(bad(`device_id,sample_id,label,ts\npi-01,s-1,A,yesterday\n`)).toThrow(/line 2 ts "yesterday" is neither/)
    expect(bad(`${head}pi-01,s-1,A\n\npi-01,s"2,A\n`)).toThrow(/line 4 has a quote inside an unquoted field/)
    expect(bad(`${head}pi-01,s-1,"A"x\n`)).toThrow(/line 2 has text after a closing quote/)
    expect(bad(`${head}pi-01,s-1,"A\nB\n`)).toThrow(/line 2 has a quoted field that never ends/)
    expect(bad(`${head}pi-01,s-1,A\n`)).not.toThrow()
    expect(bad(`${head}x/y,s,A`)).toThrow(expect.objectContaining({ code: 'HUB_USAGE', statusCode: 400 }))
  })
})
