// The camera path on Node: sharp (libvips) decodes and resizes frames; the tensor math, statistics
// definitions and box geometry are the browser-safe ones of `@edgefleet/models/vision`.
export { prepareFrame, type PreparedFrame } from './prepare-frame.ts'
export { loadSharp } from './load-sharp.ts'
export { ImageError, type ImageErrorCode } from '../errors.ts'
