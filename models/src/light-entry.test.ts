import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = dirname(fileURLToPath(import.meta.url))
const HEAVY = ['@tensorflow/', 'onnx-proto', 'onnxruntime-web', 'protobufjs']

/** Every module the light entry point reaches through static and dynamic imports, with its bare imports. */
function importGraph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    const source = readFileSync(file, 'utf8')
    const specifiers = [...source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]!)
    seen.set(file, specifiers.filter((s) => !s.startsWith('.')))
    for (const s of specifiers) if (s.startsWith('.')) visit(resolve(dirname(file), s))
  }
  visit(entry)
  return seen
}

describe('the light entry point (src/index.ts)', () => {
  it('never reaches TensorFlow.js, onnx-proto or onnxruntime, so the agent can import it', () => {
    const graph = importGraph(join(SRC, 'index.ts'))
    const offenders = [...graph].flatMap(([file, bare]) =>
      bare.filter((b) => HEAVY.some((h) => b.startsWith(h))).map((b) => `${relative(SRC, file)} imports ${b}`),
    )
    expect(offenders).toEqual([])
    expect([...graph.keys()].some((f) => relative(SRC, f).startsWith('build'))).toBe(false)
  })
})
