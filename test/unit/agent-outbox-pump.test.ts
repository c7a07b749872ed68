import { describe, expect, test } from "bun:test";
import { OutboxPump, type PublishSettled, type Publisher } from "../../edge-agent/src/agent/outbox-pump.ts";
import { openMemoryDatabase } from "../../edge-agent/src/store/database.ts";
import { AwaitingReceipts } from "../../edge-agent/src/agent/receipts.ts";
import { Outbox, type OutboxRow } from "../../edge-agent/src/store/outbox.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A broker stand-in: records publishes; acks only when told to. */
class FakePublisher implements Publisher {
  sent: { topic: string; payload: string; done: (error?: Error) => void }[] = [];
  publish({ topic, payload }: OutboxRow, done: (error?: Error) => void) {
    this.sent.push({ topic, payload: text(payload), done });
  }
  payloads() {
    return this.sent.map((s) => s.payload);
  }
}

function setup(window = 3) {
  const outbox = new Outbox(openMemoryDatabase());
  const settled: PublishSettled[] = [];
  const pump = new OutboxPump(outbox, (event) => settled.push(event), window);
  /** Feeds settled events back, as the connection actor does through its mailbox. */
  const deliver = () => {
    for (const event of settled.splice(0)) pump.settle(event);
  };
  return { outbox, pump, deliver };
}

describe("OutboxPump", () => {
  test("publishes in order within the window and deletes rows only after their ack (MQTT receipt, session ack)", () => {
    const { outbox, pump, deliver } = setup(3);
    for (const m of ["1", "2", "3", "4", "5"]) outbox.append("t", bytes(m));
    const broker = new FakePublisher();
    pump.attach(broker);
    expect(broker.payloads()).toEqual(["1", "2", "3"]); // window full
    expect(outbox.size()).toBe(5);

    broker.sent[0]!.done();
    deliver();
    expect(outbox.after(0, 10).map((r) => text(r.payload))).toEqual(["2", "3", "4", "5"]);
    expect(broker.payloads()).toEqual(["1", "2", "3", "4"]);

    for (const s of broker.sent.slice(1)) s.done();
    deliver();
    broker.sent[4]!.done();
    deliver();
    expect(broker.payloads()).toEqual(["1", "2", "3", "4", "5"]);
    expect(outbox.size()).toBe(0);
  });

  test("nothing is published while offline; new rows go out once connected", () => {
    const { outbox, pump } = setup();
    outbox.append("t", bytes("queued"));
    pump.pump();
    const broker = new FakePublisher();
    pump.attach(broker);
    outbox.append("t", bytes("fresh"));
    pump.pump();
    expect(broker.payloads()).toEqual(["queued", "fresh"]);
  });

  test("after a disconnect, unacked rows are sent again from the oldest, and stale acks still delete", () => {
    const { outbox, pump, deliver } = setup(10);
    for (const m of ["a", "b", "c"]) outbox.append("t", bytes(m));
    const first = new FakePublisher();
    pump.attach(first);
    first.sent[0]!.done(); // 'a' acked...
    pump.detach(); // ...but the connection drops before we processed it
    deliver();
    expect(outbox.after(0, 10).map((r) => text(r.payload))).toEqual(["b", "c"]);

    const second = new FakePublisher();
    pump.attach(second);
    expect(second.payloads()).toEqual(["b", "c"]);
  });

  test("a failed publish stops the session; nothing is lost", () => {
    const { outbox, pump, deliver } = setup(1);
    outbox.append("t", bytes("x"));
    outbox.append("t", bytes("y"));
    const broker = new FakePublisher();
    pump.attach(broker);
    broker.sent[0]!.done(new Error("connection closed"));
    deliver();
    expect(pump.connected).toBe(false);
    expect(outbox.size()).toBe(2);
    expect(broker.payloads()).toEqual(["x"]);
  });

  test("whenEmpty resolves once everything is acked, or false on timeout", async () => {
    const { outbox, pump, deliver } = setup();
    expect(await pump.whenEmpty(10)).toBe(true);
    outbox.append("t", bytes("x"));
    const broker = new FakePublisher();
    pump.attach(broker);
    expect(await pump.whenEmpty(10)).toBe(false);
    const waiting = pump.whenEmpty(1000);
    broker.sent[0]!.done();
    deliver();
    expect(await waiting).toBe(true);
  });

  test("a handover waits for the acks in flight on the old publisher, then resends the rest on the new one", () => {
    const { outbox, pump, deliver } = setup(2);
    for (const m of ["a", "b", "c"]) outbox.append("t", bytes(m));
    const mqtt = new FakePublisher();
    pump.attach(mqtt);
    const session = new FakePublisher();
    pump.handover(session);
    outbox.append("t", bytes("d"));
    pump.pump();
    expect(session.payloads()).toEqual([]); // nothing on two transports at once
    mqtt.sent[0]!.done();
    deliver();
    expect(session.payloads()).toEqual([]);
    mqtt.sent[1]!.done();
    deliver();
    expect(pump.current).toBe(session);
    expect(session.payloads()).toEqual(["c", "d"]);
    expect(mqtt.payloads()).toEqual(["a", "b"]);
  });

  test("dropping the old publisher completes a pending handover; dropping a pending one cancels it", () => {
    const { outbox, pump } = setup();
    outbox.append("t", bytes("x"));
    const mqtt = new FakePublisher();
    const session = new FakePublisher();
    pump.attach(mqtt);
    pump.handover(session);
    pump.drop(session);
    pump.drop(mqtt);
    expect(pump.current).toBeUndefined();
    pump.attach(mqtt);
    pump.handover(session);
    pump.drop(mqtt);
    expect(pump.current).toBe(session);
    expect(session.payloads()).toEqual(["x"]);
  });

  test("resend: overdue rows go out again from the oldest, on the pending publisher if a handover waits", () => {
    const { outbox, pump, deliver } = setup(2);
    for (const m of ["a", "b", "c"]) outbox.append("t", bytes(m));
    const mqtt = new FakePublisher();
    pump.attach(mqtt);
    pump.resend(); // no receipt came: the same rows again
    expect(mqtt.payloads()).toEqual(["a", "b", "a", "b"]);
    const session = new FakePublisher();
    pump.handover(session); // waits for the MQTT rows in flight...
    expect(session.payloads()).toEqual([]);
    pump.resend(); // ...which never get a receipt: the session takes them
    expect(pump.current).toBe(session);
    expect(session.payloads()).toEqual(["a", "b"]);
    mqtt.sent[0]!.done(); // a late receipt of the first copy still deletes the row
    deliver();
    expect(outbox.after(0, 10).map((r) => text(r.payload))).toEqual(["b", "c"]);
  });
});

describe("AwaitingReceipts", () => {
  test("settles what a receipt covers; overdue only without progress, or when one message is long lost", () => {
    const waiting = new AwaitingReceipts();
    const settled: number[] = [];
    for (const seq of [1, 2, 3, 4]) waiting.add(seq, () => settled.push(seq), 0);
    expect(waiting.overdue(100, 99)).toBe(false);
    expect(waiting.overdue(100, 100)).toBe(true); // nothing receipted for a timeout
    expect(waiting.settle({ throughSeq: 2, seqs: [4] }, 150)).toBe(3);
    expect(settled).toEqual([1, 2, 4]);
    expect(waiting.overdue(100, 200)).toBe(false); // 3 is old, but receipts are flowing
    expect(waiting.overdue(100, 250)).toBe(true); // and then they stop
    waiting.add(5, () => {}, 300);
    expect(waiting.settle({ throughSeq: 0, seqs: [5] }, 500)).toBe(1);
    expect(waiting.overdue(100, 500)).toBe(true); // 3 waited 5 timeouts: lost on its own
  });
});
