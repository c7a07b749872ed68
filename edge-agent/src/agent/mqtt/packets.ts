/**
 * MQTT 3.1.1 packets, only those the agent's client speaks: CONNECT, CONNACK, PUBLISH (QoS 0/1), PUBACK, SUBSCRIBE,
 * SUBACK, PINGREQ, PINGRESP, DISCONNECT (OASIS MQTT 3.1.1, section 3). Encoded and decoded here instead of with
 * mqtt.js: the agent's footprint (see README, agent footprint). Checked against mqtt.js's own codec (mqtt-packet) in
 * test/unit/agent-mqtt-packets.test.ts.
 */

export const PacketType = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
} as const;

/** The largest Remaining Length MQTT can express (4 length bytes). */
export const MAX_REMAINING_LENGTH = 268_435_455;

export interface ConnectPacket {
  clientId: string;
  username?: string;
  password?: string;
  clean: boolean;
  keepalive: number;
  will?: { topic: string; payload: Uint8Array; qos: 0 | 1; retain: boolean };
}

export interface PublishPacket {
  cmd: "publish";
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  messageId?: number;
}

export type Packet =
  | { cmd: "connack"; sessionPresent: boolean; returnCode: number }
  | PublishPacket
  | { cmd: "puback"; messageId: number }
  | { cmd: "suback"; messageId: number; granted: number[] }
  | { cmd: "pingresp" };

export class MqttProtocolError extends Error {}

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

/** A growable byte writer. */
class Bytes {
  private parts: number[] = [];
  private chunks: Uint8Array[] = [];
  private length = 0;
  byte(value: number): this {
    this.parts.push(value & 0xff);
    this.length++;
    return this;
  }
  u16(value: number): this {
    return this.byte(value >> 8).byte(value);
  }
  raw(bytes: Uint8Array): this {
    this.flushParts();
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
  /** A length-prefixed UTF-8 string or byte field. */
  field(value: string | Uint8Array): this {
    const bytes = typeof value === "string" ? utf8.encode(value) : value;
    if (bytes.length > 0xffff) throw new MqttProtocolError(`field of ${bytes.length} bytes (at most 65535)`);
    return this.u16(bytes.length).raw(bytes);
  }
  get size(): number {
    return this.length;
  }
  finish(): Uint8Array {
    this.flushParts();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
  private flushParts(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(Uint8Array.from(this.parts));
    this.parts = [];
  }
}

/** Fixed header (type, flags, Remaining Length) + body. */
function frame(type: number, flags: number, body: Uint8Array): Uint8Array {
  let remaining = body.length;
  if (remaining > MAX_REMAINING_LENGTH) throw new MqttProtocolError(`packet of ${remaining} bytes is too large`);
  const header = [(type << 4) | flags];
  do {
    let digit = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) digit |= 0x80;
    header.push(digit);
  } while (remaining > 0);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

export function encodeConnect(packet: ConnectPacket): Uint8Array {
  const { will } = packet;
  let flags = packet.clean ? 0x02 : 0;
  if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
  if (packet.password !== undefined) flags |= 0x40;
  if (packet.username !== undefined) flags |= 0x80;
  const body = new Bytes().field("MQTT").byte(4).byte(flags).u16(packet.keepalive).field(packet.clientId);
  if (will) body.field(will.topic).field(will.payload);
  if (packet.username !== undefined) body.field(packet.username);
  if (packet.password !== undefined) body.field(packet.password);
  return frame(PacketType.connect, 0, body.finish());
}

export function encodePublish(packet: Omit<PublishPacket, "cmd">): Uint8Array {
  if (packet.qos > 0 && packet.messageId === undefined)
    throw new MqttProtocolError("a QoS 1 publish needs a message id");
  const body = new Bytes().field(packet.topic);
  if (packet.qos > 0) body.u16(packet.messageId!);
  body.raw(packet.payload);
  const flags = (packet.dup ? 0x08 : 0) | (packet.qos << 1) | (packet.retain ? 0x01 : 0);
  return frame(PacketType.publish, flags, body.finish());
}

export const encodePuback = (messageId: number): Uint8Array =>
  Uint8Array.of(PacketType.puback << 4, 2, messageId >> 8, messageId & 0xff);

export function encodeSubscribe(messageId: number, subscriptions: { topic: string; qos: 0 | 1 }[]): Uint8Array {
  const body = new Bytes().u16(messageId);
  for (const { topic, qos } of subscriptions) body.field(topic).byte(qos);
  return frame(PacketType.subscribe, 0x02, body.finish());
}

export const encodePingreq = (): Uint8Array => Uint8Array.of(PacketType.pingreq << 4, 0);
export const encodeDisconnect = (): Uint8Array => Uint8Array.of(PacketType.disconnect << 4, 0);

/**
 * Splits a byte stream into packets: `push` the bytes as they arrive, each complete packet comes out decoded.
 * Throws MqttProtocolError on anything a 3.1.1 server must not send a client (or that this client never asked for).
 */
export class PacketReader {
  private buffer: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Packet[] {
    // Always our own bytes: a socket may reuse its read buffer once its data callback returns, and packets (their
    // payloads are views into this buffer) are handled later, one at a time.
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concat(this.buffer, chunk);
    const packets: Packet[] = [];
    for (;;) {
      const header = this.header();
      if (!header) break;
      const { type, flags, bodyAt, length } = header;
      const body = this.buffer.subarray(bodyAt, bodyAt + length);
      packets.push(decode(type, flags, body));
      this.buffer = this.buffer.subarray(bodyAt + length);
    }
    // Keep no view on a large chunk for a small remainder.
    if (this.buffer.length > 0 && this.buffer.byteOffset > 0) this.buffer = this.buffer.slice();
    return packets;
  }

  private header(): { type: number; flags: number; bodyAt: number; length: number } | undefined {
    const buf = this.buffer;
    if (buf.length < 2) return undefined;
    let length = 0;
    let multiplier = 1;
    let at = 1;
    for (;;) {
      if (at >= buf.length) return undefined;
      const digit = buf[at++]!;
      length += (digit & 0x7f) * multiplier;
      if ((digit & 0x80) === 0) break;
      multiplier *= 128;
      if (at > 4) throw new MqttProtocolError("malformed Remaining Length");
    }
    if (buf.length < at + length) return undefined;
    return { type: buf[0]! >> 4, flags: buf[0]! & 0x0f, bodyAt: at, length };
  }
}

function decode(type: number, flags: number, body: Uint8Array): Packet {
  const u16 = (at: number) => {
    if (at + 2 > body.length) throw new MqttProtocolError("packet too short");
    return (body[at]! << 8) | body[at + 1]!;
  };
  switch (type) {
    case PacketType.connack:
      if (body.length !== 2) throw new MqttProtocolError("malformed CONNACK");
      return { cmd: "connack", sessionPresent: (body[0]! & 0x01) === 1, returnCode: body[1]! };
    case PacketType.publish: {
      const qos = ((flags >> 1) & 0x03) as 0 | 1 | 2;
      if ((flags & 0x06) === 0x06) throw new MqttProtocolError("PUBLISH with QoS 3");
      const topicLength = u16(0);
      if (2 + topicLength > body.length) throw new MqttProtocolError("malformed PUBLISH topic");
      let topic: string;
      try {
        topic = text.decode(body.subarray(2, 2 + topicLength));
      } catch {
        throw new MqttProtocolError("PUBLISH topic is not UTF-8");
      }
      let at = 2 + topicLength;
      let messageId: number | undefined;
      if (qos > 0) {
        messageId = u16(at);
        at += 2;
      }
      return {
        cmd: "publish",
        topic,
        payload: body.slice(at),
        qos,
        retain: (flags & 0x01) === 1,
        dup: (flags & 0x08) !== 0,
        messageId,
      };
    }
    case PacketType.puback:
      if (body.length !== 2) throw new MqttProtocolError("malformed PUBACK");
      return { cmd: "puback", messageId: u16(0) };
    case PacketType.suback:
      if (body.length < 3) throw new MqttProtocolError("malformed SUBACK");
      return { cmd: "suback", messageId: u16(0), granted: [...body.subarray(2)] };
    case PacketType.pingresp:
      if (body.length !== 0) throw new MqttProtocolError("malformed PINGRESP");
      return { cmd: "pingresp" };
    default:
      throw new MqttProtocolError(`unexpected packet type ${type} from the server`);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
