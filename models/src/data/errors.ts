/** Stable codes of {@link DataFetchError}: never rename one, only add. */
export type DataFetchErrorCode = 'DATA_FETCH_FAILED' | 'DATA_FORMAT_INVALID' | 'DATA_CHECKSUM_MISMATCH'

/** Where a {@link DataFetchError} happened, when known. */
export interface DataFetchErrorDetails {
  /** The URL being downloaded. */
  url?: string
  /** The HTTP status the server answered with. */
  status?: number
  /** The underlying error (network failure, zip error, ...). */
  cause?: unknown
}

/**
 * Thrown by `fetchData` when a public original cannot be downloaded (`DATA_FETCH_FAILED`), does not
 * parse as expected (`DATA_FORMAT_INVALID`), or is not byte-for-byte the pinned file
 * (`DATA_CHECKSUM_MISMATCH`). The message names the URL or file and says what to do next.
 */
export class DataFetchError extends Error {
  override readonly name = 'DataFetchError'
  /** The URL being downloaded, when the error concerns one. */
  readonly url: string | undefined
  /** The HTTP status the server answered with, when it answered. */
  readonly status: number | undefined

  constructor(
    readonly code: DataFetchErrorCode,
    message: string,
    details: DataFetchErrorDetails = {},
  ) {
    super(message, { cause: details.cause })
    this.url = details.url
    this.status = details.status
  }
}
