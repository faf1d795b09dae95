/** Version of the wire protocol carried in every payload's `v` field and in the topic prefix. */
export const PROTOCOL_VERSION = 1 as const

/** Every edgefleet topic lives under this prefix; a breaking change gets a new prefix. */
export const TOPIC_PREFIX = 'ef/v1' as const

/** Largest MQTT payload any edgefleet message may have, in bytes (aedes 1.x has no limit of its own). */
export const MAX_PAYLOAD_BYTES = 256 * 1024

/** Largest model-package manifest, in bytes. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
