import sharp from 'sharp'

/**
 * One reference frame made from a photo: mirrored or not, then a window of `scale` × its width and
 * height, placed at `ax`, `ay` (0 = left/top edge, 0.5 = centred, 1 = right/bottom edge). Only geometry
 * changes, the natural variation of a camera's framing; brightness, blur and noise stay untouched, as
 * they are what drift must notice.
 */
export interface ReferenceView {
  flip: boolean
  scale: number
  ax: number
  ay: number
}

const FRAMINGS: readonly Omit<ReferenceView, 'flip'>[] = [
  { scale: 1, ax: 0.5, ay: 0.5 },
  ...[0.9, 0.8, 0.7, 0.6].map((scale) => ({ scale, ax: 0.5, ay: 0.5 })),
  ...[0.8, 0.7].flatMap((scale) => [[0, 0], [1, 0], [0, 1], [1, 1]].map(([ax, ay]) => ({ scale, ax: ax!, ay: ay! }))),
]

/** The views of every photo: 13 framings (full, 4 centred crops, 8 corner crops), each also mirrored. */
export const REFERENCE_VIEWS: readonly ReferenceView[] = [false, true].flatMap((flip) => FRAMINGS.map((f) => ({ flip, ...f })))

/** The photo as it is: one view, no crop, no mirror. */
export const FULL_VIEW: readonly ReferenceView[] = [{ flip: false, scale: 1, ax: 0.5, ay: 0.5 }]

/** A photo decoded once (EXIF orientation applied), to cut its views from. */
export interface DecodedPhoto {
  data: Uint8Array
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 }
}

/** Decodes an encoded photo to raw pixels. */
export async function decodePhoto(photo: Uint8Array): Promise<DecodedPhoto> {
  const { data, info } = await sharp(photo, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info }
}

/** One view of a decoded photo, as lossless PNG bytes (what a camera would hand `prepareFrame`). */
export async function viewOf({ data, info }: DecodedPhoto, view: ReferenceView): Promise<Uint8Array> {
  const width = Math.max(1, Math.round(info.width * view.scale))
  const height = Math.max(1, Math.round(info.height * view.scale))
  const left = Math.round((info.width - width) * view.ax)
  const top = Math.round((info.height - height) * view.ay)
  let image = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extract({ left, top, width, height })
  if (view.flip) image = image.flop()
  return new Uint8Array(await image.png({ compressionLevel: 0 }).toBuffer())
}
