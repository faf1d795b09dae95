import { describe, expect, it } from 'vitest'
import { accuracyRows, countRows } from './dataset-summary.ts'
import { datasetSummary } from './job-test-fixtures.ts'

describe('dataset summary', () => {
  it('lists counts largest first, ties by name', () => {
    expect(countRows({ random: 100, drift: 300, 'low-confidence': 300 })).toEqual([
      { key: 'drift', count: 300 }, { key: 'low-confidence', count: 300 }, { key: 'random', count: 100 },
    ])
  })

  it("lists each version's measured accuracy, newest version first, a dash without labels", () => {
    const summary = datasetSummary({
      accuracyByVersion: [
        { version: '1.0.0', labelled: 500, correct: 254, accuracy: 0.508 },
        { version: '1.10.0', labelled: 0, correct: 0, accuracy: null },
        { version: '1.2.0', labelled: 200, correct: 163, accuracy: 0.815 },
      ],
    })
    expect(accuracyRows(summary, 'en')).toEqual([
      { version: '1.10.0', labelled: 0, correct: 0, accuracy: '—' },
      { version: '1.2.0', labelled: 200, correct: 163, accuracy: '81.5 %' },
      { version: '1.0.0', labelled: 500, correct: 254, accuracy: '50.8 %' },
    ])
  })
})
