/**
 * Telemetry ingest (group commit with back-pressure) and retention, on a real database: every point of many
 * concurrent writes lands once, a saturated writer refuses instead of queueing, and retention deletes only what
 * is older than each tenant's setting, once however many replicas sweep.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { TelemetryBusy, TelemetryWriter } from "../../control-plane/src/modules/hosts/telemetry-writer";
import { TelemetryRetention } from "../../control-plane/src/modules/hosts/telemetry-retention";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();
const DAY = 86_400_000;

describe.each(backends)("telemetry ingest and retention on $name", (backend) => {
  let t: TestPlane;
  let tenantId: string;
  const hostIds: string[] = [];
  const count = async (where = sql`true`) => {
    const [row] = await t.plane.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(sql`telemetry_points`)
      .where(where);
    return Number(row!.n);
  };

  beforeAll(async () => {
    t = await startTestPlane(backend, { telemetryRetentionSweepMs: 0 });
    tenantId = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    for (let i = 0; i < 20; i++)
      hostIds.push((await t.api.post("/api/v1/hosts", { name: `h${i}` }, t.adminKey)).body.id);
  });
  afterAll(() => t?.stop());

  test("concurrent batches of many hosts are all stored once; bad points counted; a resend adds nothing", async () => {
    const { hosts } = t.plane.services;
    const batch = (host: number, from: number) =>
      Array.from({ length: 100 }, (_, i) => ({ seq: from + i, name: `m${i % 3}`, value: host + i / 7, atMs: 0 }));
    const writes = hostIds.flatMap((hostId, h) =>
      [1, 101, 201].map((from) => hosts.recordTelemetry(tenantId, hostId, batch(h, from))),
    );
    await Promise.all(writes);
    expect(await count()).toBe(20 * 300);
    // Resent (the agent missed the receipt), plus one point with a lone surrogate and one bad point.
    const again = await hosts.recordTelemetry(tenantId, hostIds[0]!, [
      ...batch(0, 101),
      { seq: 9_000, name: "temp\uD800", value: 1, atMs: 0 },
      { seq: 9_001, name: "nan", value: Number.NaN, atMs: 0 },
    ]);
    expect(again).toMatchObject({ accepted: 101, rejected: 1 });
    expect(await count()).toBe(20 * 300 + 1);
    const read = await t.api.get(`/api/v1/hosts/${hostIds[0]}/telemetry?name=m1&limit=5`, t.adminKey);
    expect(read.status).toBe(200);
    const m1 = [...Array(300).keys()].map((i) => i + 1).filter((seq) => ((seq - 1) % 100) % 3 === 1);
    expect(read.body.items.map((p: { seq: number }) => p.seq)).toEqual(m1.reverse().slice(0, 5));
    expect((await t.api.get(`/api/v1/hosts/${hostIds[0]}`, t.adminKey)).body.telemetryRejected).toBe(1);
  });

  test("reading a host's telemetry: its own points only; an unknown or another tenant's host is a 404, not []", async () => {
    const other = await createTenant(t, `telemetry-other-${crypto.randomUUID()}`);
    const theirs = (await t.api.post("/api/v1/hosts", { name: "theirs" }, other.key)).body.id as string;
    await t.plane.services.hosts.recordTelemetry(other.tenantId, theirs, [{ seq: 1, name: "m1", value: 1, atMs: 0 }]);
    expect((await t.api.get(`/api/v1/hosts/${theirs}/telemetry`, other.key)).body.items).toHaveLength(1);
    // Another tenant's host, with points or not, and an unknown host: 404 (nothing of theirs shows).
    for (const path of [`${theirs}/telemetry`, `${theirs}/telemetry?name=m1`, "host_unknown/telemetry"]) {
      const res = await t.api.get(`/api/v1/hosts/${path}`, t.adminKey);
      expect(res.status).toBe(404);
      expect(res.body.error).toBeString();
    }
    // The tenant's own host without points: an empty list.
    const quiet = await t.api.get(`/api/v1/hosts/${hostIds[19]}/telemetry?name=none`, t.adminKey);
    expect(quiet.status).toBe(200);
    expect(quiet.body.items).toEqual([]);
  });

  test("a saturated writer refuses at once (nothing stored of the refused batch); room frees as batches commit", async () => {
    const writer = new TelemetryWriter(t.plane.database.db, {
      maxBatch: 1_000,
      maxInFlight: 1,
      maxQueued: 200,
      maxWaiting: 200,
    });
    const stampedAt = Date.now();
    const points = (from: number) =>
      Array.from({ length: 100 }, (_, i) => ({
        seq: from + i,
        name: "bp",
        value: i,
        tags: {},
        at: new Date(stampedAt),
        stampedOnArrival: false,
      }));
    const host = hostIds[1]!;
    const accepted = [writer.write(tenantId, host, points(10_000)), writer.write(tenantId, host, points(10_100))];
    const waiting = [writer.write(tenantId, host, points(10_200)), writer.write(tenantId, host, points(10_300))];
    expect(writer.backlog).toEqual({ queued: 200, waiting: 200 });
    await expect(writer.write(tenantId, host, points(10_400))).rejects.toBeInstanceOf(TelemetryBusy);
    await Promise.all([...accepted, ...waiting]);
    expect(writer.backlog).toEqual({ queued: 0, waiting: 0 });
    const bp = sql`name = 'bp'`;
    expect(await count(bp)).toBe(400);
    await writer.write(tenantId, host, points(10_400)); // the agent's resend, once there is room
    expect(await count(bp)).toBe(500);
  });

  test("retention: a validated per-tenant setting; the sweep deletes only older points, once across replicas", async () => {
    expect((await t.api.get("/api/v1/settings/telemetry", t.adminKey)).body).toEqual({ retentionDays: 30 });
    for (const bad of [0, 3651, 1.5, "7", null]) {
      const reply = await t.api.put("/api/v1/settings/telemetry", { retentionDays: bad }, t.adminKey);
      expect(reply.status).toBe(400);
      expect(typeof reply.body.error).toBe("string");
    }
    expect((await t.api.put("/api/v1/settings/telemetry", { retentionDays: 7 }, t.adminKey)).body).toEqual({
      retentionDays: 7,
    });
    // A second tenant keeps 30 days.
    const other = await t.api.post("/api/v1/tenants", { name: "other" }, t.adminKey);
    expect(other.status).toBe(201);
    const otherKey = other.body.apiKey.key;
    const otherTenant = other.body.tenant.id;
    const otherHost = (await t.api.post("/api/v1/hosts", { name: "o" }, otherKey)).body.id;

    const { hosts } = t.plane.services;
    const aged = (from: number, days: number) =>
      Array.from({ length: 3_000 }, (_, i) => ({
        seq: from + i,
        name: "old",
        value: i,
        atMs: Date.now() - days * DAY,
      }));
    await hosts.recordTelemetry(tenantId, hostIds[2]!, aged(100_001, 10)); // older than 7 days: goes
    await hosts.recordTelemetry(tenantId, hostIds[2]!, aged(105_001, 3)); // kept
    await hosts.recordTelemetry(otherTenant, otherHost, aged(1, 10)); // the other tenant keeps 30 days
    const before = await count();

    const replica = () => new TelemetryRetention(t.plane.database.db, t.plane.services.tenants, 0, () => {});
    const results = await Promise.all([replica().sweep(), replica().sweep()]);
    const deleted = results.reduce<number>((sum, r) => sum + (r?.pointsDeleted ?? 0), 0);
    expect(deleted).toBe(3_000);
    expect(await count()).toBe(before - 3_000);
    expect(await count(sql`name = 'old' and tenant_id = ${otherTenant}`)).toBe(3_000);
    expect(await replica().sweep()).toEqual({ weeksMade: 0, weeksDropped: 0, pointsDeleted: 0 });
  });

  test("partitioned by week: weeks made ahead, a point of a week not made yet is moved in, old weeks dropped whole", async () => {
    const { db } = t.plane.database;
    const rows = async (query: ReturnType<typeof sql>) =>
      (await db.execute(query)) as unknown as Record<string, unknown>[] | { rows: Record<string, unknown>[] };
    const list = async (query: ReturnType<typeof sql>) => {
      const result = await rows(query);
      return Array.isArray(result) ? result : result.rows;
    };
    const weekName = (ms: number) => {
      const day = new Date(ms);
      day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7)); // that week's Monday
      return `telemetry_points_w${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
    };
    const weeks = async () =>
      (
        await list(sql`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
                        where i.inhparent = 'telemetry_points'::regclass order by 1`)
      ).map((r) => String(r.relname));
    const host = hostIds[3]!;
    const partitionOf = async (seq: number) =>
      (
        await list(
          sql`select tableoid::regclass::text as p from telemetry_points where host_id = ${host} and seq = ${seq}`,
        )
      ).map((r) => r.p);

    // The start made last week through next week (whatever week the database's template was made in); one
    // partition catches what is outside them.
    const now = Date.now();
    const made = await weeks();
    for (const w of [now - 7 * DAY, now, now + 7 * DAY]) expect(made).toContain(weekName(w));
    expect(made).toContain("telemetry_points_default");

    // A point three weeks ahead (written past the screening, which refuses more than a day ahead) waits in the
    // default partition; once its week is made it is moved there, and reads still find it.
    const ahead = now + 21 * DAY;
    const writer = new TelemetryWriter(db);
    const point = { seq: 900_077, name: "ahead", value: 1, tags: {}, at: new Date(ahead), stampedOnArrival: false };
    await writer.write(tenantId, host, [point]);
    expect(await partitionOf(900_077)).toEqual(["telemetry_points_default"]);
    const replica = () => new TelemetryRetention(db, t.plane.services.tenants, 0, () => {});
    const later = await replica().sweep(ahead - 2 * DAY);
    expect(later?.weeksMade).toBeGreaterThanOrEqual(1);
    expect(await partitionOf(900_077)).toEqual([weekName(ahead)]);
    await writer.write(tenantId, host, [point]); // resent: the key (host, seq, at) keeps it once
    expect(await partitionOf(900_077)).toEqual([weekName(ahead)]);
    const read = await t.api.get(`/api/v1/hosts/${host}/telemetry?name=ahead`, t.adminKey);
    expect(read.body.items.map((p: { seq: number }) => p.seq)).toEqual([900_077]);

    expect((await t.api.put("/api/v1/settings/telemetry", { retentionDays: 30 }, t.adminKey)).status).toBe(200);
    // Forty days on, every tenant keeps 30 days at most: the weeks that ended before that are dropped whole.
    const current = await count(sql`at < ${new Date(now + DAY).toISOString()}::timestamptz`);
    expect(current).toBeGreaterThan(0);
    const sweep = await replica().sweep(now + 40 * DAY);
    expect(sweep?.weeksDropped).toBeGreaterThanOrEqual(2);
    const left = await weeks();
    for (const w of [now - 7 * DAY, now]) expect(left).not.toContain(weekName(w));
    expect(left).toContain(weekName(ahead));
    expect(await count(sql`at < ${new Date(now + DAY).toISOString()}::timestamptz`)).toBe(0);
    expect(await partitionOf(900_077)).toEqual([weekName(ahead)]);

    // A control plane starting on a database whose current weeks are gone (an old template, a long downtime) makes
    // them before anything else, whatever its sweep period.
    expect(await weeks()).not.toContain(weekName(now));
    await replica().start();
    for (const w of [now - 7 * DAY, now, now + 7 * DAY]) expect(await weeks()).toContain(weekName(w));
  });
});
