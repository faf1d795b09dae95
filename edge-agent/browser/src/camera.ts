import type { Detection } from '@edgefleet/protocol'
import { AgentError } from '../../src/errors.ts'

/**
 * Starts the camera (the back one on a phone, when there is one) into `video` and resolves once frames
 * arrive. AGENT_SOURCE_FAILED says what the person can do: allow the camera, free it, or use https.
 */
export async function openCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new AgentError('AGENT_SOURCE_FAILED', isSecureContext
      ? 'this browser cannot capture video'
      : 'browsers allow the camera only on https:// pages and on http://localhost: open this page through the hub behind TLS')
  }
  let stream: MediaStream
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: { ideal: 'environment' } } })
  } catch (cause) {
    const name = (cause as Error).name
    const why = name === 'NotAllowedError'
      ? 'the camera was not allowed: allow it for this page in the browser\'s site settings, then reload'
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? 'this device has no camera the page can use'
        : name === 'NotReadableError'
          ? 'the camera is in use by another application: close it, then reload'
          : `the camera did not start: ${(cause as Error).message}`
    throw new AgentError('AGENT_SOURCE_FAILED', why, { cause })
  }
  video.srcObject = stream
  await video.play()
  if (video.videoWidth === 0) await new Promise((resolve) => video.addEventListener('resize', resolve, { once: true }))
  return stream
}

/**
 * Draws the boxes (normalised to the frame) on the overlay canvas, which has the frame's own size in
 * pixels and is stretched over the video by CSS, so a box lands where the face is at any page size.
 */
export function drawDetections(canvas: HTMLCanvasElement, width: number, height: number, detections: readonly Detection[]): void {
  if (canvas.width !== width) canvas.width = width
  if (canvas.height !== height) canvas.height = height
  const ctx = canvas.getContext('2d')
  if (!ctx) return
  ctx.clearRect(0, 0, width, height)
  const line = Math.max(2, Math.round(width / 200))
  ctx.lineWidth = line
  ctx.strokeStyle = '#22c55e'
  ctx.fillStyle = '#22c55e'
  ctx.font = `${Math.max(12, Math.round(width / 40))}px system-ui, sans-serif`
  ctx.textBaseline = 'bottom'
  for (const d of detections) {
    const [x1, y1, x2, y2] = d.box as [number, number, number, number]
    ctx.strokeRect(x1 * width, y1 * height, (x2 - x1) * width, (y2 - y1) * height)
    ctx.fillText(`${d.label ?? ''} ${(d.score * 100).toFixed(0)} %`.trim(), x1 * width, Math.max(y1 * height - line, 12))
  }
}
