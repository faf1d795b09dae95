/** What the rest of the hub needs from an MQTT broker, embedded (aedes) or external (a client of one). */
export interface HubBroker {
  readonly kind: 'embedded' | 'external'
  /** Starts listening (embedded) or connects (external). Resolves with the bound ports. */
  start(): Promise<{ mqttPort: number | null; wsPort: number | null }>
  /** Publishes as the hub (desired state, commands, alerts). */
  publish(topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>
  /** Device ids connected right now. */
  connectedDevices(): ReadonlySet<string>
  /** Disconnects one device (after removal or revocation). */
  disconnect(deviceId: string): void
  close(): Promise<void>
}
