/**
 * A small ustar (+ PAX long names) writer and reader for workspace export, snapshot and restore. The writer walks
 * a directory with lstat and never follows a link: a symlink is stored as a link entry. The reader hands back
 * entries; the caller decides what it extracts (see Workspaces.restore).
 */
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

const BLOCK = 512;
const encoder = new TextEncoder();

export type TarEntry =
  | { type: "file"; path: string; mode: number; mtimeMs: number; data: Uint8Array }
  | { type: "dir"; path: string; mode: number; mtimeMs: number }
  | { type: "symlink"; path: string; target: string; mtimeMs: number };

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

function header(name: string, type: "0" | "2" | "5" | "x", size: number, mode: number, mtimeMs: number, link = "") {
  const block = new Uint8Array(BLOCK);
  const put = (text: string, offset: number, length: number) =>
    block.set(encoder.encode(text).subarray(0, length), offset);
  put(name, 0, 100);
  put(octal(mode & 0o7777, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtimeMs / 1000), 12), 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
  put(link, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return block;
}

function padding(size: number): Uint8Array {
  const rest = size % BLOCK;
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest);
}

/** PAX record "<len> path=<value>\n" where len counts itself. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  let length = encoder.encode(body).length + 1;
  while (`${length}${body}`.length !== length) length = encoder.encode(`${length}${body}`).length;
  return encoder.encode(`${length}${body}`);
}

function* entryBlocks(entry: TarEntry): Generator<Uint8Array> {
  const needsPax = encoder.encode(entry.path).length > 99 || (entry.type === "symlink" && entry.target.length > 99);
  if (needsPax) {
    const records = [paxRecord("path", entry.path)];
    if (entry.type === "symlink") records.push(paxRecord("linkpath", entry.target));
    const data = Buffer.concat(records);
    yield header("././@PaxHeader", "x", data.length, 0o644, entry.mtimeMs);
    yield data;
    yield padding(data.length);
  }
  const name = needsPax ? entry.path.slice(0, 99) : entry.path;
  switch (entry.type) {
    case "file":
      yield header(name, "0", entry.data.length, entry.mode, entry.mtimeMs);
      yield entry.data;
      yield padding(entry.data.length);
      return;
    case "dir":
      yield header(name.endsWith("/") ? name : `${name}/`, "5", 0, entry.mode, entry.mtimeMs);
      return;
    case "symlink":
      yield header(name, "2", 0, 0o777, entry.mtimeMs, entry.target.slice(0, 99));
      return;
  }
}

/** Walks `root` (never following links), depth first, paths relative with forward slashes. */
export function* walk(root: string, prefix = ""): Generator<TarEntry> {
  const names = readdirSync(join(root, prefix)).sort();
  for (const name of names) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const abs = join(root, rel);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(abs);
    } catch {
      continue; // removed meanwhile
    }
    if (stat.isSymbolicLink()) yield { type: "symlink", path: rel, target: readlinkSync(abs), mtimeMs: stat.mtimeMs };
    else if (stat.isDirectory()) {
      yield { type: "dir", path: rel, mode: stat.mode, mtimeMs: stat.mtimeMs };
      yield* walk(root, rel);
    } else if (stat.isFile()) {
      yield { type: "file", path: rel, mode: stat.mode, mtimeMs: stat.mtimeMs, data: new Uint8Array() };
    }
    // sockets, fifos, devices: never exported
  }
}

/** The tar of `root` as a stream of chunks; file contents are read one file at a time. */
export function tarStream(root: string): ReadableStream<Uint8Array> {
  const entries = walk(root);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = entries.next();
      if (next.done) {
        controller.enqueue(new Uint8Array(BLOCK * 2));
        controller.close();
        return;
      }
      let entry = next.value;
      if (entry.type === "file") {
        try {
          entry = { ...entry, data: new Uint8Array(await Bun.file(join(root, entry.path)).arrayBuffer()) };
        } catch {
          return; // vanished: skip it
        }
      }
      for (const block of entryBlocks(entry)) if (block.length) controller.enqueue(block);
    },
  });
}

/** Gzipped tar stream of `root`. */
export function tarGzStream(root: string): ReadableStream<Uint8Array> {
  return tarStream(root).pipeThrough(
    new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end === -1 ? slice : slice.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** Parses an uncompressed tar; throws on a malformed archive. Unsupported entry types are skipped. */
export function readTar(buffer: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= buffer.length) {
    const block = buffer.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
    if (sum !== readOctal(block, 148, 8)) throw new Error(`bad tar header checksum at byte ${offset}`);
    const size = readOctal(block, 124, 12);
    const type = String.fromCharCode(block[156]!);
    const prefix = readString(block, 345, 155);
    const name = readString(block, 0, 100);
    const dataStart = offset + BLOCK;
    if (dataStart + size > buffer.length) throw new Error("truncated tar archive");
    const data = buffer.subarray(dataStart, dataStart + size);
    offset = dataStart + size + padding(size).length;
    if (type === "x") {
      pax = {};
      for (const line of new TextDecoder().decode(data).split("\n")) {
        const match = /^\d+ ([^=]+)=(.*)$/.exec(line);
        if (match) pax[match[1]!] = match[2]!;
      }
      continue;
    }
    const path = (pax.path ?? (prefix ? `${prefix}/${name}` : name)).replace(/\/+$/, "");
    const target = pax.linkpath ?? readString(block, 157, 100);
    pax = {};
    const mtimeMs = readOctal(block, 136, 12) * 1000;
    const mode = readOctal(block, 100, 8);
    if (type === "0" || type === "\0") entries.push({ type: "file", path, mode, mtimeMs, data });
    else if (type === "5") entries.push({ type: "dir", path, mode, mtimeMs });
    else if (type === "2") entries.push({ type: "symlink", path, target, mtimeMs });
  }
  return entries;
}
