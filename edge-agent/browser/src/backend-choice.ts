/** The onnxruntime-web execution providers the page tries, best first. */
export const BACKENDS = ['webgpu', 'wasm'] as const
export type BrowserBackend = (typeof BACKENDS)[number]

/** `auto` (the default), or a backend the person asked for with `/agent?backend=…`. */
export type BackendPreference = BrowserBackend | 'auto'

/** What happened when one backend was tried on the model's self-test vectors. */
export type BackendTrial =
  | { backend: BrowserBackend; outcome: 'unavailable'; why: string }
  | { backend: BrowserBackend; outcome: 'failed'; why: string }
  | {
      backend: BrowserBackend
      outcome: 'passed'
      vectors: number
      maxAbsDiff: number
      /** one warm run of the first vector, ms (timed only when the choice is `auto`) */
      runMs?: number
    }

/** The backend to serve on and why, in words for the device's event and the page. */
export type BackendChoice = { backend: BrowserBackend; reason: string } | { backend: null; reason: string }

type Passed = Extract<BackendTrial, { outcome: 'passed' }>

/**
 * Picks the backend to serve on. Only a backend whose outputs passed the self-test is ever picked.
 * `auto`: WebGPU when it passed and is not slower than WASM (a software adapter such as SwiftShader
 * passes but runs a frame in seconds), else WASM. A preference is followed when that backend passed,
 * and otherwise falls back with the reason. The reason names every trial.
 */
export function chooseBackend(trials: readonly BackendTrial[], preference: BackendPreference = 'auto'): BackendChoice {
  const passed = new Map<BrowserBackend, Passed>()
  for (const t of trials) if (t.outcome === 'passed') passed.set(t.backend, t)
  const said = trials.map(describeTrial)
  const gpu = passed.get('webgpu')
  const cpu = passed.get('wasm')
  let backend: BrowserBackend | null = null
  if (preference !== 'auto' && passed.has(preference)) {
    backend = preference
    said.push(`${preference} as asked (?backend=${preference})`)
  } else {
    if (preference !== 'auto') said.push(`${preference} was asked for but did not pass`)
    const gpuMs = gpu?.runMs ?? 0
    const cpuMs = cpu?.runMs ?? Infinity
    if (gpu && gpuMs <= cpuMs) backend = 'webgpu'
    else if (cpu) {
      backend = 'wasm'
      if (gpu) said.push(`webgpu is ${(gpuMs / cpuMs).toFixed(gpuMs >= 10 * cpuMs ? 0 : 1)}× slower than wasm here`)
    }
  }
  const reason = said.join('; ')
  return backend === null ? { backend, reason: `no backend passed the self-test: ${reason}` } : { backend, reason: `${backend}: ${reason}` }
}

function describeTrial(t: BackendTrial): string {
  switch (t.outcome) {
    case 'unavailable':
      return `${t.backend} unavailable (${t.why})`
    case 'failed':
      return `${t.backend} failed the self-test (${t.why})`
    case 'passed':
      return `${t.backend} passed ${t.vectors} self-test vector(s)${t.maxAbsDiff > 0 ? ` (largest difference ${t.maxAbsDiff.toPrecision(2)})` : ''}${t.runMs === undefined ? '' : `, ${formatMs(t.runMs)} per run`}`
  }
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toPrecision(2)} ms`
}
