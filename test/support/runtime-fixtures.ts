/** A two-app workspace template for the runtime tests: an HTTP server on its assigned port, a worker calling it. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BUN = process.execPath;

/** Writes template `name` (default "two-apps") under `templatesDir`; `crashFile`: the web app exits 1 while it exists. */
export function writeTwoAppTemplate(templatesDir: string, name = "two-apps"): string {
  const dir = join(templatesDir, name);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(
    join(dir, "app.runtime.yaml"),
    `version: 1
apps:
  web:
    setup: echo setting up web > setup.log
    build: echo built > build.out
    start: ${BUN} src/server.ts
    ports:
      http: {}
    health:
      http: { port: http, path: /health }
      intervalMs: 100
      startTimeoutMs: 20000
    restart:
      policy: always
      initialDelayMs: 200
      maxDelayMs: 2000
      factor: 2
      maxRestarts: 20
    stopTimeoutMs: 2000
  worker:
    start: ${BUN} src/worker.ts
    dependsOn: [web]
    env:
      GREETING: hello
`,
  );
  writeFileSync(
    join(dir, "src/server.ts"),
    `let hits = 0;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT_HTTP),
  fetch(req) {
    const { pathname } = new URL(req.url);
    if (pathname === "/health") return new Response("ok");
    if (pathname === "/crash") { setTimeout(() => process.exit(1), 10); return new Response("bye"); }
    if (pathname === "/hit") { hits++; return new Response(String(hits)); }
    return Response.json({ pid: process.pid, port: server.port, hits });
  },
});
console.log("listening on " + server.port);
`,
  );
  writeFileSync(
    join(dir, "src/worker.ts"),
    `const port = process.env.APP_WEB_PORT_HTTP;
for (;;) {
  try {
    const n = await (await fetch("http://127.0.0.1:" + port + "/hit")).text();
    await Bun.write("worker.out", process.env.GREETING + " " + n + "\\n");
  } catch (e) { console.error(String(e)); }
  await Bun.sleep(100);
}
`,
  );
  return dir;
}

/**
 * A tiny agent program for agent runs: prints a tool event, some output, then a result; a prompt containing
 * `[quiet]` makes it say nothing for 6 s before its result (a run thinking longer than an idle timeout).
 */
export function writeAgentProgram(dir: string): string {
  const path = join(dir, "fake-agent.sh");
  writeFileSync(
    path,
    `#!/bin/sh
input=$(cat)
echo '{"type":"tool","name":"read_file","path":"README.md"}'
echo "thinking about: $RUN_PROMPT"
sleep 0.2
case "$RUN_PROMPT" in *"[quiet]"*) sleep 6 ;; esac
echo '{"type":"result","result":{"answer":42}}'
`,
    { mode: 0o755 },
  );
  return path;
}
