/**
 * PTY actor: interactive terminals opened by the control plane over the live gRPC session (PtyInput/PtyOutput in
 * session.proto). Each terminal is a shell in a real pseudo-terminal (Bun's `terminal` spawn option): input bytes
 * and resizes go in, output bytes come out as they are produced, and the shell's exit code ends it. The safety policy
 * decides first, like for commands: a policy can forbid the kind `pty` (deniedKinds, or allowedKinds without it);
 * an engaged emergency stop refuses new terminals and hangs up open ones. A terminal idle (no input, no output) for
 * `idleTimeoutMs` is hung up.
 */
import type { ActorContext, Behavior } from "../actors/index.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { PtyInput, PtyOutputOut } from "@edge/proto/grpc";

export type PtyReply = (output: PtyOutputOut) => void;

export type PtyMsg =
  /**
   * One message of the control plane for a terminal; `reply` sends its output back (on the session or channel it
   * came on). An `open` may name where the shell starts (`start`: a task's workspace) and what the policy sees.
   */
  | { type: "input"; input: PtyInput; reply: PtyReply; start?: PtyStart }
  | { type: "admitted"; id: string; allowed: boolean; error?: string }
  | { type: "exited"; id: string; code: number }
  | { type: "idle"; id: string }
  /** Hangs up every terminal (session lost, emergency stop, shutdown). */
  | { type: "closeAll"; reason: string };

/** Where a terminal's shell starts and what the safety policy is shown (a task terminal: its workspace and id). */
export interface PtyStart {
  cwd?: string;
  env?: Record<string, string>;
  params?: Record<string, unknown>;
}

export interface PtyDeps {
  /** The safety policy's decision for an interactive shell (kind `pty`). */
  admit(request: { kind: string; params: Record<string, unknown> }): Promise<{ allowed: boolean; error?: string }>;
  /** Why nothing may start now (emergency stop, machine stopped), else undefined. */
  startBlocked(): string | undefined;
  /** The shell (argv); default $SHELL or /bin/sh, interactive. */
  shell?: string[];
  cwd?: string;
  idleTimeoutMs: number;
  /** At most this many terminals at once. */
  maxOpen?: number;
  log: Logger;
}

interface Terminal {
  write(data: string | Uint8Array): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

interface Open {
  reply: PtyReply;
  /** Input and resizes that arrived while the policy decided. */
  pending: PtyInput[];
  cols: number;
  rows: number;
  start?: PtyStart;
  proc?: ReturnType<typeof Bun.spawn>;
  terminal?: Terminal;
}

const clamp = (n: number, fallback: number) => (n > 0 && n <= 1000 ? n : fallback);

export function ptyHost(deps: PtyDeps) {
  const maxOpen = deps.maxOpen ?? 16;
  return ({ self, timers }: ActorContext<PtyMsg>): Behavior<PtyMsg> => {
    const open = new Map<string, Open>();

    const touch = (id: string) => timers.startSingleTimer(`idle:${id}`, { type: "idle", id }, deps.idleTimeoutMs);

    function finish(id: string, code: number, error = ""): void {
      const entry = open.get(id);
      if (!entry) return;
      open.delete(id);
      timers.cancel(`idle:${id}`);
      entry.reply({ id, exited: true, exitCode: code, error });
    }

    function hangUp(id: string, reason: string): void {
      const entry = open.get(id);
      if (!entry) return;
      if (!entry.proc) return finish(id, -1, reason);
      deps.log.info(`terminal ${id}: ${reason}`);
      entry.proc.kill("SIGHUP");
      setTimeout(() => {
        if (entry.proc && entry.proc.exitCode === null) entry.proc.kill("SIGKILL");
      }, 2_000).unref?.();
    }

    function apply(entry: Open, input: PtyInput): void {
      if (input.data.length) entry.terminal?.write(input.data);
      if (input.cols > 0 && input.rows > 0 && !input.open)
        entry.terminal?.resize(clamp(input.cols, 80), clamp(input.rows, 24));
    }

    function start(id: string, entry: Open): void {
      const shell = deps.shell ?? [process.env.SHELL || "/bin/sh", "-i"];
      try {
        const proc = Bun.spawn(shell, {
          cwd: entry.start?.cwd ?? deps.cwd ?? process.env.HOME ?? "/",
          env: { ...process.env, ...entry.start?.env, TERM: "xterm-256color" },
          terminal: {
            cols: entry.cols,
            rows: entry.rows,
            data: (_terminal: unknown, data: Uint8Array) => {
              if (!open.has(id)) return;
              entry.reply({ id, data: new Uint8Array(data) });
              touch(id);
            },
          },
        } as Parameters<typeof Bun.spawn>[1]);
        entry.proc = proc;
        entry.terminal = (proc as unknown as { terminal: Terminal }).terminal;
        void proc.exited.then((code) => self.tell({ type: "exited", id, code: code ?? -1 }));
      } catch (error) {
        return finish(id, -1, `could not start a shell: ${errorMessage(error)}`);
      }
      entry.reply({ id, opened: true });
      deps.log.info(`terminal ${id} opened (${entry.cols}x${entry.rows})`);
      touch(id);
      for (const input of entry.pending.splice(0)) apply(entry, input);
    }

    return {
      receive(msg) {
        switch (msg.type) {
          case "input": {
            const { input, reply } = msg;
            const id = input.id;
            if (!id) return;
            const entry = open.get(id);
            if (input.open) {
              if (entry) return;
              const blocked = deps.startBlocked();
              if (blocked) return reply({ id, exited: true, exitCode: -1, error: `refused: ${blocked}` });
              if (open.size >= maxOpen)
                return reply({ id, exited: true, exitCode: -1, error: `refused: ${maxOpen} terminals already open` });
              open.set(id, {
                reply,
                pending: [],
                cols: clamp(input.cols, 80),
                rows: clamp(input.rows, 24),
                start: msg.start,
              });
              deps.admit({ kind: "pty", params: msg.start?.params ?? {} }).then(
                (decision) => self.tell({ type: "admitted", id, allowed: decision.allowed, error: decision.error }),
                (error) => self.tell({ type: "admitted", id, allowed: false, error: errorMessage(error) }),
              );
              return;
            }
            if (!entry) return;
            if (input.close) return hangUp(id, "closed by the control plane");
            if (!entry.terminal) {
              if (entry.pending.length < 1_000) entry.pending.push(input);
              return;
            }
            apply(entry, input);
            touch(id);
            return;
          }
          case "admitted": {
            const entry = open.get(msg.id);
            if (!entry) return;
            if (!msg.allowed) return finish(msg.id, -1, msg.error ?? "refused by safety policy");
            if (entry.pending.some((input) => input.close)) return finish(msg.id, -1, "closed before it started");
            const blocked = deps.startBlocked();
            if (blocked) return finish(msg.id, -1, `refused: ${blocked}`);
            return start(msg.id, entry);
          }
          case "exited": {
            const entry = open.get(msg.id);
            if (!entry) return;
            entry.terminal?.close();
            deps.log.info(`terminal ${msg.id} exited with ${msg.code}`);
            return finish(msg.id, msg.code);
          }
          case "idle":
            return hangUp(msg.id, "idle timeout");
          case "closeAll":
            for (const id of [...open.keys()]) hangUp(id, msg.reason);
            return;
        }
      },
      postStop() {
        for (const entry of open.values()) entry.proc?.kill("SIGKILL");
        open.clear();
      },
    };
  };
}
