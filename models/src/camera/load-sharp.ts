type Sharp = (typeof import('sharp'))['default']

let loading: Promise<Sharp> | undefined

/**
 * sharp (libvips, a native module), imported on first use: code that imports the camera path but
 * never prepares a frame (a bundled agent serving a tabular model) runs where sharp is not installed.
 * Rejects with the import's own error when sharp cannot load; the next call tries again.
 */
export function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then(
    (m) => m.default,
    (cause: unknown) => {
      loading = undefined
      throw cause
    },
  ))
}
