// The camera path's pure core: image statistics, model input tensors, box geometry and detector
// decoding. Browser-safe: no node: imports, no Buffer, no sharp (the Node path is `@edgefleet/models/camera`).
export { IMAGE_STATISTICS, imageStatistics } from './image-statistics.ts'
export { DETECTION_STATISTICS, decodeDetections, type DecodedDetections, type DetectionPost, type DetectionSettings } from './decode-detections.ts'
export { boxTransform, mapBox, type BoxTransform } from './box-transform.ts'
export { drawRect, type DrawRect } from './draw-rect.ts'
export { tensorFromPixels, tensorDims, tensorChannels } from './tensor-from-pixels.ts'
export { topK, type RankedClass } from './top-k.ts'
export { srgbGrey } from './srgb-grey.ts'
