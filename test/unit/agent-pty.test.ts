/**
 * The agent's PTY actor on its own: a real shell in a pseudo-terminal — size at open and after a resize, output,
 * exit code; the safety policy's refusal and a blocked start (emergency stop) answer with an exit -1 and no shell;
 * the idle timeout and `closeAll` hang a shell up.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ActorSystem } from "../../edge-agent/src/actors/index.ts";
import { ptyHost, type PtyDeps, type PtyMsg } from "../../edge-agent/src/agent/pty.ts";
import type { PtyOutputOut } from "@edge/proto/grpc";
import { silentLogger } from "@edge/proto/log";
import { waitFor } from "../support/wait";

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.stop();
  system = undefined;
});

function start(overrides: Partial<PtyDeps> = {}) {
  system = new ActorSystem();
  const pty = system.spawn<PtyMsg>(
    "pty",
    ptyHost({
      admit: async () => ({ allowed: true }),
      startBlocked: () => undefined,
      shell: ["/bin/sh"],
      idleTimeoutMs: 60_000,
      log: silentLogger,
      ...overrides,
    }),
  );
  const outputs: PtyOutputOut[] = [];
  const reply = (o: PtyOutputOut) => outputs.push(o);
  const text = () => outputs.map((o) => (o.data ? new TextDecoder().decode(o.data) : "")).join("");
  const exit = () => waitFor("the exit", () => outputs.find((o) => o.exited));
  const send = (input: { open?: boolean; cols?: number; rows?: number; data?: string; close?: boolean }) =>
    pty.tell({
      type: "input",
      input: {
        id: "t1",
        open: input.open ?? false,
        cols: input.cols ?? 0,
        rows: input.rows ?? 0,
        data: new TextEncoder().encode(input.data ?? ""),
        close: input.close ?? false,
      },
      reply,
    });
  return { pty, outputs, text, exit, send };
}

describe("PTY actor", () => {
  test("a shell: size, resize, output and its exit code", async () => {
    const p = start();
    p.send({ open: true, cols: 90, rows: 30 });
    p.send({ data: "stty size\n" }); // queued until the policy has decided
    await waitFor("the first size", () => /30 90/.test(p.text()) || undefined);
    p.send({ cols: 120, rows: 40, data: "" });
    p.send({ data: "stty size; echo done-$((1+1)); exit 7\n" });
    expect(await p.exit()).toMatchObject({ id: "t1", exited: true, exitCode: 7, error: "" });
    expect(p.text()).toContain("40 120");
    expect(p.text()).toContain("done-2");
    expect(p.outputs[0]).toMatchObject({ id: "t1", opened: true });
  });

  test("the safety policy's refusal: no shell, exit -1 with the reason", async () => {
    const p = start({
      admit: async () => ({ allowed: false, error: 'refused by safety policy: kind "pty" is denied' }),
    });
    p.send({ open: true, cols: 80, rows: 24 });
    expect(await p.exit()).toMatchObject({ exitCode: -1, error: 'refused by safety policy: kind "pty" is denied' });
    expect(p.outputs.some((o) => o.opened)).toBe(false);
  });

  test("an engaged emergency stop refuses at once", async () => {
    const p = start({ startBlocked: () => "emergency stop (generation 3) is engaged" });
    p.send({ open: true });
    expect((await p.exit()).error).toContain("emergency stop");
  });

  test("idle timeout and closeAll hang the shell up", async () => {
    const idle = start({ idleTimeoutMs: 300 });
    idle.send({ open: true });
    await waitFor("opened", () => idle.outputs.find((o) => o.opened));
    expect((await idle.exit()).exitCode).not.toBe(0);
    await system?.stop();

    const p = start();
    p.send({ open: true });
    await waitFor("opened", () => p.outputs.find((o) => o.opened));
    p.pty.tell({ type: "closeAll", reason: "session lost" });
    expect((await p.exit()).exitCode).not.toBe(0);
  });
});
