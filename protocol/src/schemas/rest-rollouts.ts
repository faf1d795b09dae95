import Type from 'typebox'
import { Id } from './common.ts'

/** REST bodies of rollouts (`/api/v1/rollouts…`). */

export const RolloutParams = Type.Object({ id: Id }, { additionalProperties: false })
