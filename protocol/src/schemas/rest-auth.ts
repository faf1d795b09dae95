import Type from 'typebox'

/**
 * Roles of operator API tokens, weakest first: each role may do everything the ones before it may.
 * `viewer` reads (every GET, the live stream); `operator` also changes the fleet's models and rollouts
 * (uploads, rollouts, deployments, alert acknowledgements, labels, snapshots, retraining jobs); `admin`
 * also manages devices and credentials. The hub's route table is in README.md ("REST roles").
 */
export const OPERATOR_ROLES = ['viewer', 'operator', 'admin'] as const

export const OperatorRole = Type.Enum(OPERATOR_ROLES, { description: 'an operator token\'s role: viewer ⊂ operator ⊂ admin' })
export type OperatorRole = Type.Static<typeof OperatorRole>

/** True when a token with role `have` may do what needs `need` (admin ⊃ operator ⊃ viewer). */
export function roleAtLeast(have: OperatorRole, need: OperatorRole): boolean {
  return OPERATOR_ROLES.indexOf(have) >= OPERATOR_ROLES.indexOf(need)
}

/** `GET /api/v1/whoami`: the calling token's name and role, so a client can offer only what it may do. */
export const TokenIdentity = Type.Object(
  {
    /** the token's name (`<name>` of `<name>.<secret>`) */
    name: Type.String({ minLength: 1, maxLength: 64 }),
    role: OperatorRole,
  },
  { additionalProperties: false },
)
export type TokenIdentity = Type.Static<typeof TokenIdentity>
