/**
 * Hands back the pages of the agent's own executable that only start-up touched (README, agent footprint).
 *
 * Most of the compiled agent's resident memory is the executable itself: bun's machine code and read-only data,
 * paged in while the agent starts (decoding its bytecode, SQLite migrations, the bootstrap exchange, socket set-up)
 * and not touched again while it idles. They are clean pages of a private file mapping, which the kernel drops on
 * its own under memory pressure and reads back from the page cache (or the file) on the next touch.
 * `madvise(MADV_DONTNEED)` drops them from this process now instead: only the executable's read-only mappings
 * (never a writable one, never one holding a page the process wrote or locked), so nothing but residency changes.
 * What the idle agent still runs faults back in; the rest stays out.
 */
import { readFileSync } from "node:fs";

const MADV_DONTNEED = 4;

export interface Mapping {
  start: number;
  length: number;
}

/**
 * The read-only private mappings of `file` that hold no page the process wrote (a written page of a private mapping
 * is a private anonymous copy) and no locked page, from /proc/<pid>/smaps text. "Dirty" is not a write by the process:
 * pages of a file written recently (a fresh build, an update) are dirty in the page cache until written back.
 */
export function cleanReadOnlyMappings(smaps: string, file: string): Mapping[] {
  const found: Mapping[] = [];
  let current: { mapping: Mapping; clean: boolean } | undefined;
  const flush = () => {
    if (current?.clean) found.push(current.mapping);
    current = undefined;
  };
  for (const line of smaps.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) [0-9a-f]+ \S+ \d+ *(.*)$/.exec(line);
    if (header) {
      flush();
      const [, from, to, perms, path] = header as unknown as [string, string, string, string, string];
      if (path !== file || perms[0] !== "r" || perms[1] === "w" || perms[3] !== "p") continue;
      const start = Number.parseInt(from, 16);
      current = { mapping: { start, length: Number.parseInt(to, 16) - start }, clean: true };
      continue;
    }
    const field = current && /^(Anonymous|Locked|AnonHugePages):\s+(\d+) kB/.exec(line);
    if (current && field && field[2] !== "0") current.clean = false;
  }
  flush();
  return found;
}

/**
 * Drops this process's resident pages of its executable's clean read-only mappings (Linux; elsewhere a no-op).
 * Returns the bytes of the mappings advised; never throws (0 when it cannot).
 */
export async function releaseStartupPages(): Promise<number> {
  if (process.platform !== "linux") return 0;
  try {
    const mappings = cleanReadOnlyMappings(readFileSync("/proc/self/smaps", "utf8"), process.execPath);
    if (mappings.length === 0) return 0;
    const { dlopen, FFIType } = await import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    });
    try {
      let advised = 0;
      for (const { start, length } of mappings)
        if (libc.symbols.madvise(start, length, MADV_DONTNEED) === 0) advised += length;
      return advised;
    } finally {
      libc.close();
    }
  } catch {
    return 0;
  }
}
