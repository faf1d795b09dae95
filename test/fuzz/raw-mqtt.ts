import { createConnection, type Socket } from 'node:net'

/**
 * MQTT 3.1.1 packets written by hand, for what mqtt.js refuses to send: PUBLISH to topics with
 * wildcards, invalid UTF-8 or any other bytes a misbehaving client might put in a topic name.
 */

function remainingLength(n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

function prefixed(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes])
}

/** CONNECT with user name and password, clean session, keepalive 60 s. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const variable = Buffer.concat([prefixed(Buffer.from('MQTT')), Buffer.from([4, 0xc2, 0, 60])])
  const body = Buffer.concat([variable, prefixed(Buffer.from(clientId)), prefixed(Buffer.from(username)), prefixed(Buffer.from(password))])
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body])
}

/** PUBLISH at QoS 1 with packet id 1, the topic given as raw bytes (at most 65 535 of them). */
export function publishPacket(topic: Buffer, payload: Buffer): Buffer {
  const body = Buffer.concat([prefixed(topic), Buffer.from([0, 1]), payload])
  return Buffer.concat([Buffer.from([0x32]), remainingLength(body.length), body])
}

/** What became of one raw PUBLISH: the broker acknowledged it (PUBACK) or closed the connection. */
export type RawOutcome = 'puback' | 'closed'

/**
 * Connects as `username`, sends one QoS 1 PUBLISH with the raw `topic` bytes, and reports whether
 * the broker acknowledged it or closed the connection; the socket is closed either way.
 */
export function publishRaw(port: number, login: { clientId: string; username: string; password: string }, topic: Buffer, payload: Buffer): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ host: '127.0.0.1', port })
    let received = Buffer.alloc(0)
    let connected = false
    let settled = false
    const settle = (outcome: RawOutcome | Error): void => {
      if (settled) return
      settled = true
      socket.destroy()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }
    socket.on('connect', () => socket.write(connectPacket(login.clientId, login.username, login.password)))
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (!connected && received.length >= 4) {
        if (received[0] !== 0x20 || received[3] !== 0) return settle(new Error(`CONNACK refused: ${received.subarray(0, 4).toString('hex')}`))
        connected = true
        received = received.subarray(4)
        socket.write(publishPacket(topic, payload))
      }
      if (connected && received.length >= 4 && received[0] === 0x40) settle('puback')
    })
    socket.on('error', () => settle('closed'))
    socket.on('close', () => settle(connected ? 'closed' : new Error('closed before CONNACK')))
  })
}
