export { PROTOCOL_VERSION, TOPIC_PREFIX, MAX_PAYLOAD_BYTES, MAX_MANIFEST_BYTES } from './version.ts'
export { ErrorCodes, ProvisionRefusalCodes, ProtocolError, type ErrorCode, type ProvisionRefusalCode, type ValidationIssue } from './errors.ts'
export {
  UPLINK_CHANNELS, DOWNLINK_CHANNELS, FLEET_SCOPE, isDeviceId, isModelName, deviceTopic, allDevicesFilter,
  parseDeviceTopic, alertTopic, alertFilters, ALERT_KINDS, parseAlertTopic, sensorTopic, sensorFilter, topicMatches,
  isValidTopicFilter, isValidTopicName,
  CLAIM_USERNAME_PREFIX, claimUsername, parseClaimUsername, provisionTopic, parseProvisionTopic, isClaimClientId,
  hubInstanceTopic, hubInstancesFilter, parseHubInstanceTopic, isInstanceName, sharedFilter,
  type ProvisionTopicKind,
  type UplinkChannel, type DownlinkChannel, type DeviceChannel, type DeviceTopic, type AlertTopic, type AlertTopicKind,
} from './topics.ts'
export {
  compile, validators, decodeJson, decodeChannel, encodeChannel, decodeManifest, type Validator, type ChannelPayloads,
} from './codec.ts'
export { mulberry32, selfTestInputValues, fingerprint, compareSelfTestOutput, FINGERPRINT_HEAD } from './self-test-input.ts'
export { signedPayload, signedFieldsOf, type SignedFields } from './signed-payload.ts'
export { DeviceId, ModelName, SemVer, Sha256Hex, Timestamp, ModelRef, Limits } from './schemas/common.ts'
export * from './schemas/manifest.ts'
export * from './schemas/device-messages.ts'
export * from './schemas/hub-messages.ts'
export * from './schemas/reading.ts'
export * from './schemas/rest.ts'
export * from './schemas/rest-models.ts'
export * from './schemas/rest-rollouts.ts'
export * from './schemas/rest-live.ts'
export * from './schemas/rest-retraining.ts'
export * from './schemas/rest-agent-page.ts'
export * from './schemas/provisioning.ts'
export * from './schemas/rest-auth.ts'
export * from './schemas/hub-instance.ts'
export { examples, alertExample, readingExamples } from './examples.ts'
