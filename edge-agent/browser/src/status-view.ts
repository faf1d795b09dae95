/** The rows of the page's status list, in order, with their labels. */
const FIELDS = {
  device: 'Device',
  hub: 'Hub',
  camera: 'Camera',
  model: 'Model',
  backend: 'Backend',
  fps: 'Frames per second',
  latency: 'Inference',
  faces: 'Faces',
  queue: 'Waiting to send',
  drift: 'Drift windows sent',
} as const

export type StatusField = keyof typeof FIELDS
export type Tone = 'good' | 'bad' | 'neutral'

const MAX_LOG = 200

/**
 * What the page shows a person: one row per field (`#status-<field>`, with `data-tone` good or bad),
 * the face count under the video, and a log of what happened, newest last. Text only: nothing from
 * the network is ever inserted as HTML.
 */
export class StatusView {
  private readonly rows = new Map<StatusField, HTMLElement>()
  private readonly logList: HTMLOListElement
  private readonly caption: HTMLElement

  constructor(doc: Document) {
    const list = doc.getElementById('status')!
    for (const [field, label] of Object.entries(FIELDS) as [StatusField, string][]) {
      const dt = doc.createElement('dt')
      dt.textContent = label
      const dd = doc.createElement('dd')
      dd.id = `status-${field}`
      dd.textContent = '–'
      list.append(dt, dd)
      this.rows.set(field, dd)
    }
    this.logList = doc.getElementById('log') as HTMLOListElement
    this.caption = doc.getElementById('faces')!
  }

  set(field: StatusField, text: string, tone: Tone = 'neutral'): void {
    const dd = this.rows.get(field)!
    if (dd.textContent !== text) dd.textContent = text
    if (dd.dataset.tone !== tone) dd.dataset.tone = tone
  }

  /** The face count under the video (`data-faces` holds the number). */
  faces(count: number | null, text?: string): void {
    const words = text ?? (count === 1 ? '1 face' : `${count ?? 0} faces`)
    if (this.caption.dataset.faces !== String(count ?? '')) this.caption.dataset.faces = count === null ? '' : String(count)
    if (this.caption.textContent !== words) this.caption.textContent = words
    this.set('faces', count === null ? '–' : String(count))
  }

  log(text: string, tone: Tone = 'neutral'): void {
    const li = this.logList.ownerDocument.createElement('li')
    li.textContent = `${new Date().toLocaleTimeString()} ${text}`
    li.dataset.tone = tone
    this.logList.append(li)
    while (this.logList.childElementCount > MAX_LOG) this.logList.firstElementChild!.remove()
  }
}
