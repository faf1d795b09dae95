import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { mergeSpec, parseImportSpec } from '@edgefleet/models/build'
import { commaList, numberFlag, specFromFlags } from './model-import-flags.ts'

/** The flags of `model import` as commander parses them, with the source of --augment known. */
function parsed(args: string[]): { flags: Record<string, unknown>; command: Command } {
  const command = new Command('import').exitOverride()
  for (const flag of ['--name <n>', '--labels <l>', '--mean <m>', '--std <s>', '--scale <x>', '--score-threshold <p>', '--window-samples <n>', '--features <f>']) command.option(flag)
  command.option('--augment').option('--no-augment')
  command.parse(args, { from: 'user' })
  return { flags: command.opts(), command }
}

describe('model import flags', () => {
  it('become a spec that overrides the file only where they are given', () => {
    const { flags, command } = parsed(['--labels', 'background, face', '--mean', '127,127,127', '--scale', '1', '--score-threshold', '0.7', '--no-augment'])
    const file = { name: 'faces', input: { image: { std: [128, 128, 128], scale: 0.5 } }, detection: { iouThreshold: 0.3 } }
    expect(parseImportSpec(mergeSpec(file, specFromFlags(flags, command)))).toEqual({
      name: 'faces',
      labels: ['background', 'face'],
      input: { image: { std: [128, 128, 128], scale: 1, mean: [127, 127, 127], augment: false } },
      detection: { iouThreshold: 0.3, scoreThreshold: 0.7 },
    })
  })
  it('leave augment alone unless given, and refuse numbers that are not', () => {
    const { flags, command } = parsed(['--name', 'm', '--features', 'a,b'])
    expect(parseImportSpec(mergeSpec({}, specFromFlags(flags, command)))).toEqual({ name: 'm', input: { features: ['a', 'b'] } })
    expect(() => numberFlag('12px', '--width')).toThrow(/--width "12px" is not a number/)
    expect(commaList(' a, ,b ')).toEqual(['a', 'b'])
  })
})
