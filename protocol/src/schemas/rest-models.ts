import Type from 'typebox'
import { ModelName, SemVer } from './common.ts'

/** REST bodies of the model registry (`/api/v1/models…`). */

export const ModelVersionParams = Type.Object({ name: ModelName, version: SemVer }, { additionalProperties: false })
