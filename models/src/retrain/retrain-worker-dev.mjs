// Entry of the retraining worker when the models package runs from TypeScript source (tsx, vitest):
// worker threads do not inherit the parent's loader hooks in Node 20, so register tsx's here first.
import { register } from 'tsx/esm/api'

register()
await import('./retrain-worker.ts')
