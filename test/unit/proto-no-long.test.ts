/**
 * The shipped agent is built without the `long` package (scripts/build-agents.ts): protobufjs then reads and writes
 * 64-bit fields as plain numbers instead of Long objects. The codecs must give the same bytes and the same decoded
 * messages either way, so the control plane (which has `long`) and the agent still agree on the wire.
 */
import { afterAll, expect, test } from "bun:test";
import protobuf from "protobufjs/minimal.js";
import { CommandStatus, codecs } from "@edge/proto/wire";

const withLong = protobuf.util.Long;

function withoutLong<T>(fn: () => T): T {
  protobuf.util.Long = null as never;
  protobuf.configure();
  try {
    return fn();
  } finally {
    protobuf.util.Long = withLong;
    protobuf.configure();
  }
}

afterAll(() => {
  protobuf.util.Long = withLong;
  protobuf.configure();
});

const now = 1_764_000_000_123;
const samples = [
  () =>
    codecs.command.encode({
      id: "cmd_1",
      kind: "exec",
      paramsJson: '{"command":"echo"}',
      timeoutMs: 5_000,
      createdAtMs: now,
    }),
  () =>
    codecs.commandUpdate.encode({
      commandId: "cmd_1",
      status: CommandStatus.COMMAND_STATUS_COMPLETED,
      resultJson: "{}",
      atMs: now,
      agentSeq: 2 ** 40 + 7,
      agentSeqFloor: 2 ** 40,
    }),
  () => codecs.receipt.encode({ throughSeq: 2 ** 50 + 1, seqs: [2 ** 50 + 3, 2 ** 33, 1] }),
  () => codecs.presence.encode({ state: 1, agentVersion: "1.2.3", atMs: now }),
  () =>
    codecs.telemetry.encode({
      points: [
        { name: "cpu", value: 0.25, tags: { site: "a" }, atMs: now, seq: 2 ** 45 },
        { name: "neg", value: -1, atMs: -5, seq: 1 },
      ],
      agentSeq: Number.MAX_SAFE_INTEGER,
    }),
];

test("without long: the same bytes encoded, the same messages decoded", () => {
  for (const encode of samples) {
    const reference = encode();
    const lean = withoutLong(encode);
    expect(lean).toEqual(reference);
  }
  const decoders = [codecs.command, codecs.commandUpdate, codecs.receipt, codecs.presence, codecs.telemetry];
  samples.forEach((encode, i) => {
    const bytes = encode();
    const decoder = decoders[i]!;
    const reference = decoder.decode(bytes);
    expect(withoutLong(() => decoder.decode(bytes))).toEqual(reference);
  });
});

test("without long, 64-bit values beyond 2^32 and negative int64 survive the round trip", () => {
  withoutLong(() => {
    const back = codecs.receipt.decode(codecs.receipt.encode({ throughSeq: 2 ** 52 + 5, seqs: [2 ** 35] }));
    expect(back.throughSeq).toBe(2 ** 52 + 5);
    expect(back.seqs).toEqual([2 ** 35]);
  });
});
