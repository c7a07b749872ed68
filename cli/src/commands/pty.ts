/**
 * pty (alias ssh): an interactive terminal through the control plane — on a task's machine, in the task's workspace
 * (a task id: `POST /api/web/tasks/:id/pty-token`, any replica), or on a host (`POST /api/v1/hosts/:id/pty-token`),
 * then the `WS /ws/pty/:id` websocket the token names. On a TTY: raw mode, the terminal's
 * size at start and on every SIGWINCH; piped stdin is sent as it is. Exits with the shell's exit code.
 */
import { CliError } from "../errors.ts";
import { resolveHost } from "../resources.ts";
import type { Invocation, Verb } from "../verb.ts";

interface Control {
  type: string;
  code?: number;
  error?: string;
  status?: number;
}

async function pty(inv: Invocation): Promise<number> {
  const api = inv.api();
  const target = inv.args[0]!;
  const grant = target.startsWith("task_")
    ? await api.post(`/api/web/tasks/${encodeURIComponent(target)}/pty-token`)
    : await api.post(`/api/v1/hosts/${encodeURIComponent(await resolveHost(api, target))}/pty-token`);
  const token = api.token();
  if (!token) throw new CliError("not logged in: run `edgectl login`");
  const url = new URL(grant.websocket as string, api.apiUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";

  const stdin = process.stdin;
  const stdout = process.stdout;
  const tty = Boolean(stdin.isTTY);
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const ws = new WebSocket(url.toString());
  ws.binaryType = "arraybuffer";

  return await new Promise<number>((resolve, reject) => {
    let exitCode: number | undefined;
    let failure: string | undefined;
    const pending: Uint8Array[] = [];
    let ready = false;
    const send = (chunk: Uint8Array) => {
      if (ready && ws.readyState === WebSocket.OPEN) ws.send(chunk);
      else pending.push(chunk);
    };
    const onData = (chunk: Buffer) => send(new Uint8Array(chunk));
    const onResize = () => {
      if (ready && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "resize", ...size() }));
    };
    const restore = () => {
      stdin.off("data", onData);
      process.off("SIGWINCH", onResize);
      if (tty) stdin.setRawMode(false);
      stdin.pause();
    };

    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token, channelToken: grant.channelToken, ...size() }));
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") {
        stdout.write(new Uint8Array(event.data as ArrayBuffer));
        return;
      }
      const message = JSON.parse(event.data) as Control;
      if (message.type === "ready") {
        ready = true;
        if (tty) stdin.setRawMode(true);
        for (const chunk of pending.splice(0)) ws.send(chunk);
        stdin.on("data", onData);
        stdin.resume();
        process.on("SIGWINCH", onResize);
      } else if (message.type === "exit") {
        exitCode = message.code;
        if (message.error) failure = message.error;
      } else if (message.type === "error") {
        failure = message.error ?? "refused";
      }
    };
    ws.onerror = () => {
      failure ??= `websocket to ${url.host} failed`;
    };
    ws.onclose = () => {
      restore();
      if (exitCode !== undefined && exitCode >= 0) return resolve(exitCode & 255);
      reject(new CliError(failure ?? "the terminal closed without an exit code"));
    };
  });
}

export const ptyVerbs: Verb[] = ["pty", "ssh"].map((name) => ({
  name,
  summary:
    name === "pty"
      ? "An interactive terminal in a task's workspace or on a host (exits with the shell's exit code)"
      : "Alias of `pty`",
  args: "TASK|HOST",
  minArgs: 1,
  maxArgs: 1,
  description: `
Opens a shell in a pseudo-terminal through the control plane. TASK (an id, task_…): on the task's machine, in the
task's workspace (project maintainers; the agent dials back, over gRPC or MQTT; the transcript goes to the task's
logs). HOST (name or id): on the host, over its agent's live gRPC session (tenant admins). Raw mode on a terminal,
resized with your window; piped stdin is sent as typed input. The machine's safety policy may forbid it (kind
"pty"). Exits with the shell's exit code (1 when refused).`,
  run: pty,
}));
