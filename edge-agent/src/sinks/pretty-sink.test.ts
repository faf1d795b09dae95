import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { PrettySink } from './pretty-sink.ts'

const model = { name: 'ultraface', version: '1.0.0' }

function printed(write: (sink: PrettySink) => void): string {
  const out = new PassThrough()
  let text = ''
  out.on('data', (d: Buffer) => (text += d.toString()))
  write(new PrettySink(out))
  return text
}

describe('PrettySink', () => {
  it('prints a frame\'s detection count, then each detection with its box in pixels of the original image', () => {
    const text = printed((s) => s.write([
      { id: '3.jpg', ts: 0, latencyMs: 24.5, image: { width: 1000, height: 500 }, detections: [{ box: [0.1, 0.2, 0.25, 0.6], score: 0.993, label: 'face' }, { box: [0.5, 0.1, 0.6, 0.3], score: 0.81, label: 'face' }] },
      { id: '4.jpg', ts: 0, latencyMs: 22, image: { width: 1000, height: 500 }, detections: [] },
    ], model))
    expect(text.split('\n')).toEqual([
      '3.jpg              ultraface@1.0.0  2 faces        24.500 ms',
      '    face        99.3%  x 100–250, y 100–300 px (150×200 of 1000×500)',
      '    face        81.0%  x 500–600, y 50–150 px (100×100 of 1000×500)',
      '4.jpg              ultraface@1.0.0  no detections  22.000 ms',
      '',
    ])
  })

  it('prints an image classifier\'s best class with the rest of its top-k', () => {
    const text = printed((s) => s.write([{ id: 'f', ts: 0, latencyMs: 1, label: 'red', classIndex: 0, confidence: 0.58, top: [{ classIndex: 0, label: 'red', confidence: 0.58 }, { classIndex: 1, label: 'green', confidence: 0.21 }] }], { name: 'colour', version: '1.0.0' }))
    expect(text).toBe('f                  colour@1.0.0  red            58.0%  1.000 ms  (then green 21.0%)\n')
  })
})
