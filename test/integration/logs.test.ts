/**
 * Structured logs: the control plane as its own process with LOG_FORMAT=json writes one JSON object per line on
 * stdout; a request's id (the caller's `x-request-id`, or a generated one) is echoed in the response and is in its
 * log lines; LOG_FORMAT=pretty writes readable lines; a bad LOG_FORMAT / LOG_LEVEL stops the start.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { newSecret } from "../../control-plane/src/lib/secrets";
import { waitFor } from "../support/wait";

const MAIN = new URL("../../control-plane/src/main.ts", import.meta.url).pathname;
const procs: Subprocess<"ignore", "pipe", "pipe">[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

function start(env: Record<string, string>) {
  const adminKey = newSecret("roz_sk_");
  const proc = Bun.spawn([process.execPath, MAIN], {
    env: {
      ...process.env,
      PORT: "0",
      GRPC_PORT: "0",
      MQTT_PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: "memory://",
      DATABASE_URL: "",
      MQTT_URL: "",
      ADMIN_KEY: adminKey,
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.push(proc);
  const out = { stdout: "", stderr: "" };
  const read = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out[key] += decoder.decode(chunk);
  };
  void read(proc.stdout, "stdout");
  void read(proc.stderr, "stderr");
  return { proc, out, adminKey };
}

describe("structured logs", () => {
  test("LOG_FORMAT=json: every stdout line is JSON; a request's id is echoed and in its log line", async () => {
    const { out, adminKey } = start({ LOG_FORMAT: "json", LOG_LEVEL: "info" });
    const url = await waitFor(
      "the control plane's start",
      () => out.stdout.match(/control plane listening on (http:\/\/[0-9.:]+)/)?.[1],
      60_000,
    );
    // The caller's id is kept.
    const mine = `test-${crypto.randomUUID()}`;
    const res = await fetch(`${url}/api/v1/hosts`, {
      headers: { authorization: `Bearer ${adminKey}`, "x-request-id": mine },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(mine);
    // None given (or a hostile one): a generated id, echoed too; refusals carry it as well.
    const refused = await fetch(`${url}/api/v1/hosts`, { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(refused.status).toBe(401);
    const generated = refused.headers.get("x-request-id")!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const lines = () =>
      out.stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = await waitFor("the request's log line", () => lines().find((l) => l.requestId === mine));
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      method: "GET",
      route: "/api/v1/hosts",
      status: 200,
      requestId: mine,
    });
    expect(typeof line.time).toBe("string");
    expect(typeof line.durationMs).toBe("number");
    const refusal = await waitFor("the refusal's log line", () => lines().find((l) => l.requestId === generated));
    expect(refusal).toMatchObject({ status: 401 });
    // Lines outside any request have no requestId; the admin key never appears.
    expect(lines().find((l) => String(l.msg).startsWith("control plane listening"))!.requestId).toBeUndefined();
    expect(out.stdout).not.toContain(adminKey);
  }, 90_000);

  test("LOG_FORMAT=pretty: readable lines with the request id; a bad LOG_FORMAT or LOG_LEVEL stops the start", async () => {
    const { out, adminKey } = start({ LOG_FORMAT: "pretty", LOG_LEVEL: "debug" });
    const url = await waitFor(
      "the control plane's start",
      () => out.stdout.match(/control plane listening on (http:\/\/[0-9.:]+)/)?.[1],
      60_000,
    );
    const res = await fetch(`${url}/health`, { headers: { "x-request-id": "pretty-1" } });
    expect(res.headers.get("x-request-id")).toBe("pretty-1");
    const line = await waitFor("the pretty line", () => out.stdout.split("\n").find((l) => l.includes("[pretty-1]")));
    expect(line).toMatch(/^\S+Z INFO +\[pretty-1\] request method=GET route=\/health status=200 durationMs=/);
    expect(out.stdout).not.toContain(adminKey);

    for (const env of [{ LOG_FORMAT: "xml" }, { LOG_LEVEL: "loud" }] as Record<string, string>[]) {
      const bad = start(env);
      expect(await bad.proc.exited).not.toBe(0);
      expect(bad.out.stderr + bad.out.stdout).toMatch(/LOG_FORMAT must be json or pretty|LOG_LEVEL must be one of/);
    }
  }, 90_000);
});
