import { AgentError, type Logger } from '../errors.ts'
import type { ModelStore } from '../deploy/model-store.ts'
import { loadPackage, type LoadedPackage, type LoadOptions } from '../model/load-model.ts'
import { resolveModelDir } from '../model/resolve-model.ts'

/** The model the agent starts serving, and where it came from. */
export interface StartupModel {
  loaded: LoadedPackage
  dir: string
  from: 'current' | 'previous' | 'model-flag'
}

/**
 * Picks the model to serve on start: the store's current version (the last one activated), else
 * its previous one, else the `--model` package. Each is loaded and self-tested; one that fails is
 * logged and the next is tried, so a damaged install never keeps the device from serving.
 */
export async function loadStartupModel(store: ModelStore | undefined, modelFlag: string, options: LoadOptions, logger: Logger): Promise<StartupModel> {
  for (const from of ['current', 'previous'] as const) {
    const entry = store?.pointer[from]
    if (!store || !entry) continue
    const dir = store.resolve(entry)
    try {
      const loaded = await loadPackage(dir, options)
      if (loaded.manifest.model.sha256 !== entry.sha256 || loaded.manifest.version !== entry.version) {
        await loaded.backend.close()
        throw new AgentError('MODEL_DIGEST_MISMATCH', `${dir} holds ${loaded.manifest.name}@${loaded.manifest.version}, not the installed ${entry.name}@${entry.version}`)
      }
      logger.info({ model: `${entry.name}@${entry.version}`, dir, from }, `serving the ${from} model of the store instead of --model ${modelFlag}`)
      return { loaded, dir, from }
    } catch (err) {
      logger.warn({ model: `${entry.name}@${entry.version}`, dir, code: (err as AgentError).code, step: (err as AgentError).step }, `the ${from} installed model cannot serve: ${(err as Error).message}`)
    }
  }
  const dir = resolveModelDir(modelFlag)
  return { loaded: await loadPackage(dir, options), dir, from: 'model-flag' }
}

/**
 * The shadow candidate the store names, loaded and self-tested to run again beside the served
 * model after a restart; `undefined` when there is none or it cannot run (logged).
 */
export async function loadStartupShadow(store: ModelStore | undefined, options: LoadOptions, logger: Logger): Promise<{ loaded: LoadedPackage; dir: string } | undefined> {
  const entry = store?.pointer.shadow
  if (!store || !entry) return undefined
  const dir = store.resolve(entry)
  try {
    const loaded = await loadPackage(dir, options)
    if (loaded.manifest.model.sha256 === entry.sha256) return { loaded, dir }
    await loaded.backend.close()
    logger.warn({ dir }, `${dir} does not hold the shadow model ${entry.name}@${entry.version}: not running it`)
  } catch (err) {
    logger.warn({ model: `${entry.name}@${entry.version}`, dir, code: (err as AgentError).code }, `the shadow model cannot run: ${(err as Error).message}`)
  }
  return undefined
}
