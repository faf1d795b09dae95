import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { Desired, ModelName, SemVer, Sha256Hex } from '@edgefleet/protocol'

/** A model package the store knows: its version, and its directory (relative to the store, or absolute for a `--model` package). */
export const InstalledModel = Type.Object(
  { name: ModelName, version: SemVer, sha256: Sha256Hex, dir: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
)

/**
 * `<stateDir>/models/active.json`: what the agent serves and can fall back to, and how far it got
 * with the hub's desired states. Replaced atomically, so a kill leaves the old or the new one.
 */
export const StorePointerSchema = Type.Object(
  {
    format: Type.Literal(1),
    /** the version to serve on start */
    current: Type.Union([InstalledModel, Type.Null()]),
    /** the version served before it, kept on disk for an instant rollback */
    previous: Type.Union([InstalledModel, Type.Null()]),
    /** the shadow candidate, run beside the current version (restarted on start) */
    shadow: Type.Optional(Type.Union([InstalledModel, Type.Null()])),
    /** the last desired generation handled (applied, refused, or nothing to do) */
    generation: Type.Integer({ minimum: 0 }),
    /** a desired state whose activation had started: resumed on start after a crash */
    pending: Type.Optional(Desired),
  },
  { additionalProperties: false },
)

export type InstalledModel = Static<typeof InstalledModel>
export type StorePointer = Static<typeof StorePointerSchema>

export const EMPTY_POINTER: StorePointer = { format: 1, current: null, previous: null, generation: 0 }

const check = Compile(StorePointerSchema)

/** Parses the pointer file's text; `undefined` when it is not a valid pointer. */
export function parsePointer(text: string): StorePointer | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return check.Check(value) ? value : undefined
}
