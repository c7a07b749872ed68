/** Maps outbox rows to session frames: seq = the row's durable outbox seq, body chosen by the row's channel. */
import type { OutboxRow } from "../store/outbox.ts";
import type { AgentFrameOut } from "@edge/proto/grpc";
import { codecs, parseTopic } from "@edge/proto/wire";

/** The frame carrying `row`; throws if the row is not an ack, log, status or telemetry message, or does not decode. */
export function frameOfRow(row: OutboxRow): AgentFrameOut {
  const channel = parseTopic(row.topic)?.channel;
  switch (channel) {
    case "ack":
      return { seq: row.seq, update: codecs.commandUpdate.decode(row.payload) };
    case "log":
      return { seq: row.seq, commandLog: codecs.commandLog.decode(row.payload) };
    case "status":
      return { seq: row.seq, status: codecs.status.decode(row.payload) };
    case "telemetry":
      return { seq: row.seq, telemetry: codecs.telemetry.decode(row.payload) };
    default:
      throw new Error(`outbox row ${row.seq} on ${row.topic} has no session frame`);
  }
}
