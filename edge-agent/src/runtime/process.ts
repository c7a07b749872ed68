/** Child processes of the runtime: shell commands in their own process group, output split into lines. */
import { inheritedEnv } from "../commands/exec.ts";
import { LineSplitter } from "../commands/line-splitter.ts";

export type LineSink = (stream: "stdout" | "stderr", line: string) => void;

export interface Spawned {
  pid: number;
  exited: Promise<{ code: number | null; signal: string | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Resource caps of a process (see the manifest's `limits`). */
export interface ProcessLimits {
  memoryMb?: number;
  nice?: number;
}

/** Which caps this machine can enforce, and how (or why not): reported in the runtime status. */
export interface LimitSupport {
  memory: { enforced: boolean; how: string };
  cpu: { enforced: boolean; how: string };
}

let support: LimitSupport | undefined;

export function limitSupport(): LimitSupport {
  if (support) return support;
  const linux = process.platform === "linux";
  const prlimit = linux ? Bun.which("prlimit") : null;
  const nice = Bun.which("nice");
  support = {
    memory: prlimit
      ? { enforced: true, how: `RLIMIT_AS via ${prlimit}` }
      : { enforced: false, how: linux ? "prlimit not found" : `not supported on ${process.platform}` },
    cpu: nice ? { enforced: true, how: `niceness via ${nice}` } : { enforced: false, how: "nice not found" },
  };
  return support;
}

/** Why `limits` cannot be enforced here, or undefined when they can. */
export function unenforceable(limits: ProcessLimits | undefined): string | undefined {
  const s = limitSupport();
  if (limits?.memoryMb !== undefined && !s.memory.enforced)
    return `memory cap ${limits.memoryMb} MB cannot be enforced on this machine (${s.memory.how})`;
  if (limits?.nice !== undefined && !s.cpu.enforced)
    return `CPU cap (nice ${limits.nice}) cannot be enforced on this machine (${s.cpu.how})`;
  return undefined;
}

/** The argv prefix that applies `limits` (the wrappers exec the command: same pid, same process group). */
function limitPrefix(limits: ProcessLimits | undefined): string[] {
  const prefix: string[] = [];
  if (limits?.memoryMb !== undefined) prefix.push(Bun.which("prlimit")!, `--as=${limits.memoryMb * 1024 * 1024}`, "--");
  if (limits?.nice !== undefined) prefix.push(Bun.which("nice")!, "-n", String(limits.nice));
  return prefix;
}

/** `/bin/sh -c command` in `cwd`, detached (own process group), stdout/stderr lines to `sink`. */
export function spawnShell(
  command: string,
  cwd: string,
  env: Record<string, string>,
  sink: LineSink,
  stdin?: string,
  limits?: ProcessLimits,
): Spawned {
  const reason = unenforceable(limits);
  if (reason) throw new Error(reason);
  const child = Bun.spawn([...limitPrefix(limits), "/bin/sh", "-c", command], {
    cwd,
    env: { ...inheritedEnv(), ...env },
    stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  return wrap(child, sink);
}

/** A program with arguments (no shell), like spawnShell otherwise. */
export function spawnProgram(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  sink: LineSink,
  stdin?: string,
): Spawned {
  const child = Bun.spawn(argv, {
    cwd,
    env: { ...inheritedEnv(), ...env },
    stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
  });
  return wrap(child, sink);
}

function wrap(child: Bun.Subprocess, sink: LineSink): Spawned {
  const pumps = (["stdout", "stderr"] as const).map((name) =>
    pump(child[name] as ReadableStream<Uint8Array>, name, sink),
  );
  const exited = child.exited.then(async () => {
    // Output still buffered in the pipes (a grandchild may hold them open: bounded wait).
    await Promise.race([Promise.all(pumps), Bun.sleep(500)]);
    return { code: child.exitCode, signal: child.signalCode === null ? null : String(child.signalCode) };
  });
  return { pid: child.pid, exited, kill: (signal = "SIGKILL") => killGroup(child.pid, signal) };
}

async function pump(stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr", sink: LineSink): Promise<void> {
  const splitter = new LineSplitter((line) => {
    try {
      sink(name, line);
    } catch {
      // a failing listener never disturbs the process
    }
  });
  try {
    for await (const chunk of stream) splitter.push(chunk);
  } catch {
    // broken pipe
  }
  splitter.end();
}

export function killGroup(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
