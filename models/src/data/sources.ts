/** Where the public originals are downloaded from. Override any of them with `FetchOptions.sources`. */
export interface DataSources {
  /** The UCI "Gas Sensor Array Drift Dataset" (id 224) archive. */
  gasSensorZip: string
  /** Raw-file root of the Ultra-Light-Fast-Generic-Face-Detector-1MB repository (ends with `/`). */
  ultrafaceBaseUrl: string
  /** Folder of the sample photographs in that repository (ends with `/`). */
  facesBaseUrl: string
}

const ULTRAFACE_REPO =
  'https://raw.githubusercontent.com/Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB/master/'

/** The upstream locations of everything `fetchData` lays out. */
export const DEFAULT_SOURCES: Readonly<DataSources> = Object.freeze({
  gasSensorZip: 'https://archive.ics.uci.edu/static/public/224/gas+sensor+array+drift+dataset.zip',
  ultrafaceBaseUrl: ULTRAFACE_REPO,
  facesBaseUrl: `${ULTRAFACE_REPO}imgs/`,
})

/** One file downloaded as is: its name in the data directory, its path under the base URL, its digest. */
export interface PinnedFile {
  name: string
  urlPath: string
  /** Lowercase hex sha256 of the upstream file; absent for files that may legitimately change. */
  sha256?: string
}

/** `models/ultraface/`; digests taken from the upstream files in the shared data directory. */
export const ULTRAFACE_FILES: readonly PinnedFile[] = [
  {
    name: 'version-RFB-320.onnx',
    urlPath: 'models/onnx/version-RFB-320.onnx',
    sha256: '34cd7e60aeff28744c657de7a3dc64e872d506741de66987f3426f2b79f88017',
  },
  {
    name: 'version-slim-320.onnx',
    urlPath: 'models/onnx/version-slim-320.onnx',
    sha256: 'e9adbd0f920ddcce9368434c4d34d72520dc0c19b526fd44b4ef49bde2c3b1a8',
  },
  // Not pinned: a licence file gets touched (year, wording) without the models changing.
  { name: 'LICENSE', urlPath: 'LICENSE' },
]

const FACE_DIGESTS: Record<string, string> = {
  '1': '898e120bd162bd879649a9f26cce0feaf7fed5396db4766fac54ea6dd617829b',
  '2': '929d79fd5ac4dea69fd5bc4bd5dab0199f19d06fa84e5649b69c3d5c481c52c9',
  '3': '7b71856d949d1c5f1fd67c56dcbbc1b9b0cae622d81fffafb3a2c9ef34231b42',
  '5': '14b5d407e7151ce9b67311e596e44816c20282a8c31842f7ec4e521dba61d2b9',
  '6': 'e8ef1a837a64d297821caf98cd554ca993f26d4b91515805c0c61c53cbae2d10',
  '8': 'eb05e32f71fed0d6dc2aef5d039082668f94d7e9fa4e96cdbd4042090fa72f13',
  '10': '430b52741fee8347fbd355adca00019ecf1af68d682766bba35c33a084180caa',
  '11': '4829ee1be8ac118fb88aa675187bd73c6aa7ee78665a8037813f5bd8519f9b27',
  '12': 'eebe78e40bb772c42d34297243a0a57a899fc566e19e75b5dfa668e977053dbb',
}

/** `data/faces/`: the nine sample photographs. */
export const FACE_FILES: readonly PinnedFile[] = Object.entries(FACE_DIGESTS).map(([n, sha256]) => ({
  name: `${n}.jpg`,
  urlPath: `${n}.jpg`,
  sha256,
}))

/** Resolves `urlPath` against `base`, tolerating a base without its trailing slash. */
export function resolveSourceUrl(base: string, urlPath: string): string {
  return new URL(urlPath, base.endsWith('/') ? base : `${base}/`).href
}
