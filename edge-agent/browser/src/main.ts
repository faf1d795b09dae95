import './page.css'
import type { BackendPreference } from './backend-choice.ts'
import { BrowserDevice } from './browser-device.ts'
import { openCamera } from './camera.ts'
import { loadHubConfig } from './hub-config.ts'
import { importHubKey } from './model-signature.ts'
import { configureRuntime } from './ort-session.ts'
import { takeProvisioning, type Provisioning } from './provisioning.ts'
import { StatusView } from './status-view.ts'

/**
 * The page: who this browser is (the provisioning link, or what an earlier visit stored), where the
 * hub's broker is, the hub's signing key; then the device runs and the camera starts beside it.
 * Every problem is shown on the page, in words that say what to do.
 */
async function main(): Promise<void> {
  const view = new StatusView(document)
  const provisioning = provision(view)
  if (!provisioning) return
  const { deviceId } = provisioning
  // two tabs as one device would take the connection from each other and reuse message numbers
  await deviceLock(deviceId, () => {
    view.set('device', `${deviceId} is running in another tab of this browser: this tab takes over when that one closes`, 'bad')
    view.faces(null, 'Running in another tab')
  })
  view.set('device', deviceId)
  document.getElementById('device-name')!.textContent = deviceId
  document.title = `${deviceId} · edgefleet device`

  let mqttUrl: string
  let hub: Awaited<ReturnType<typeof importHubKey>>
  try {
    const config = await loadHubConfig(`${import.meta.env.BASE_URL}config.json`)
    mqttUrl = config.mqttUrl
    hub = await importHubKey(provisioning.hubKey)
  } catch (err) {
    view.set('hub', (err as Error).message, 'bad')
    view.log((err as Error).message, 'bad')
    return
  }
  const runtime = configureRuntime(`${import.meta.env.BASE_URL}${__EF_ORT_ASSETS__}`)
  view.log(`WebAssembly: ${runtime.threads} thread(s)${runtime.crossOriginIsolated ? '' : ' (the page is not cross-origin isolated)'}`)
  const video = document.getElementById('camera') as HTMLVideoElement
  const overlay = document.getElementById('overlay') as HTMLCanvasElement
  const device = new BrowserDevice({ provisioning, hub, mqttUrl, runtime, view, video, overlay, preference: backendPreference(location.search) })
  device.start()
  addEventListener('pagehide', () => void device.stop())

  view.set('camera', 'starting…')
  try {
    await openCamera(video)
    view.set('camera', `${video.videoWidth}×${video.videoHeight}`, 'good')
    view.faces(0, 'Waiting for the model')
  } catch (err) {
    view.set('camera', (err as Error).message, 'bad')
    view.faces(null, 'No camera')
    view.log((err as Error).message, 'bad')
  }
}

/**
 * Waits for this browser's lock on the device (Web Locks), then holds it until the page goes away;
 * `onWaiting` runs when another tab has held it for 2 s. Browsers without Web Locks get no guard.
 */
function deviceLock(deviceId: string, onWaiting: () => void): Promise<void> {
  if (!navigator.locks) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(onWaiting, 2000)
    void navigator.locks.request(`edgefleet-device-${deviceId}`, () => {
      clearTimeout(timer)
      resolve()
      return new Promise<never>(() => {})
    })
  })
}

/** `?backend=webgpu` or `?backend=wasm` asks for a backend (it is still used only when its outputs pass). */
function backendPreference(search: string): BackendPreference {
  const asked = new URLSearchParams(search).get('backend')
  return asked === 'webgpu' || asked === 'wasm' ? asked : 'auto'
}

/** The device this page is, taking a provisioning link's secret out of the address bar. */
function provision(view: StatusView): Provisioning | null {
  const clearFragment = (): void => history.replaceState(null, '', `${location.pathname}${location.search}`)
  try {
    const { provisioning, fromLink } = takeProvisioning(location.hash, localStorage)
    if (fromLink) clearFragment()
    if (!provisioning) {
      view.set('device', 'this browser is not a device yet: open the link that `edgefleet device add <id> --link <hub-url>` printed', 'bad')
      view.faces(null, 'Not a device yet')
    }
    return provisioning
  } catch (err) {
    clearFragment()
    view.set('device', (err as Error).message, 'bad')
    view.faces(null, 'Not a device yet')
    return null
  }
}

void main()
