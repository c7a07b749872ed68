/**
 * Workspaces: directories under `<state-dir>/workspaces/<id>` with their metadata in agent.db. Every file access is
 * confined to the workspace (paths.ts); writes are atomic (write to a temporary file, then rename). Templates are
 * copied from the templates dir; export and snapshots are tar.gz archives that never follow a link.
 */
import type { Database } from "bun:sqlite";
import { randomHex } from "./random.ts";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { spawn } from "bun";
import { conflict, invalid, notFound, RuntimeError } from "./errors.ts";
import { checkRelativePath, linkStaysInside, resolveInside } from "./paths.ts";
import { readTar, tarGzStream } from "./tar.ts";

export const MAX_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/;
const TEMPLATE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface Workspace {
  id: string;
  name: string;
  template: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface Snapshot {
  id: string;
  workspaceId: string;
  label: string | null;
  sizeBytes: number;
  createdAt: string;
}

export interface DirEntry {
  name: string;
  type: "file" | "dir" | "symlink";
  size: number;
}

export type FileRead =
  | { type: "file"; path: string; absolute: string; size: number }
  | { type: "dir"; path: string; entries: DirEntry[] };

interface WorkspaceRow {
  id: string;
  name: string;
  template: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface WorkspacesOptions {
  db: Database;
  /** Parent of every workspace directory. */
  root: string;
  /** Where snapshot archives are kept. */
  snapshotsDir: string;
  /** Template directories: `<templatesDir>/<name>/`. */
  templatesDir: string;
}

export class Workspaces {
  constructor(private readonly opts: WorkspacesOptions) {
    mkdirSync(opts.root, { recursive: true, mode: 0o700 });
    mkdirSync(opts.snapshotsDir, { recursive: true, mode: 0o700 });
  }

  dir(id: string): string {
    return join(this.opts.root, id);
  }

  create(input: { name: string; template?: string; metadata?: Record<string, unknown> }): Workspace {
    checkName(input.name);
    if (input.template !== undefined) this.templateDir(input.template);
    const id = `ws_${randomHex(8)}`;
    const now = Date.now();
    mkdirSync(this.dir(id), { mode: 0o700 });
    this.opts.db
      .query(
        "INSERT INTO workspaces (id, name, template, metadata, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
      )
      .run(id, input.name, null, JSON.stringify(input.metadata ?? {}), now);
    if (input.template !== undefined) return this.applyTemplate(id, input.template);
    return this.get(id);
  }

  list(): Workspace[] {
    return (this.opts.db.query("SELECT * FROM workspaces ORDER BY created_at, id").all() as WorkspaceRow[]).map(
      toWorkspace,
    );
  }

  get(id: string): Workspace {
    const row = this.opts.db.query("SELECT * FROM workspaces WHERE id = ?1").get(id) as WorkspaceRow | null;
    if (!row) throw notFound(`workspace ${id} not found`);
    return toWorkspace(row);
  }

  update(id: string, patch: { name?: string; metadata?: Record<string, unknown> }): Workspace {
    const current = this.get(id);
    if (patch.name !== undefined) checkName(patch.name);
    this.opts.db
      .query("UPDATE workspaces SET name = ?2, metadata = ?3, updated_at = ?4 WHERE id = ?1")
      .run(id, patch.name ?? current.name, JSON.stringify(patch.metadata ?? current.metadata), Date.now());
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    rmSync(this.dir(id), { recursive: true, force: true });
    rmSync(join(this.opts.snapshotsDir, id), { recursive: true, force: true });
    this.opts.db.transaction(() => {
      this.opts.db.query("DELETE FROM workspaces WHERE id = ?1").run(id);
      this.opts.db.query("DELETE FROM workspace_snapshots WHERE workspace_id = ?1").run(id);
    })();
  }

  private touch(id: string, template?: string): void {
    if (template === undefined)
      this.opts.db.query("UPDATE workspaces SET updated_at = ?2 WHERE id = ?1").run(id, Date.now());
    else
      this.opts.db
        .query("UPDATE workspaces SET template = ?2, updated_at = ?3 WHERE id = ?1")
        .run(id, template, Date.now());
  }

  // ---- templates ----

  templateNames(): string[] {
    if (!existsSync(this.opts.templatesDir)) return [];
    return readdirSync(this.opts.templatesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && TEMPLATE_PATTERN.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  }

  private templateDir(name: string): string {
    if (typeof name !== "string" || !TEMPLATE_PATTERN.test(name) || name === "." || name === "..")
      throw invalid("template must be 1-128 characters of A-Z a-z 0-9 . _ - (not starting with . or -)");
    const dir = join(this.opts.templatesDir, name);
    if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw notFound(`template ${name} not found`);
    return dir;
  }

  /** Copies the template's files over the workspace (existing files are overwritten, others kept). */
  applyTemplate(id: string, template: string): Workspace {
    this.get(id);
    const source = this.templateDir(template);
    copyTree(source, this.dir(id), "");
    this.touch(id, template);
    return this.get(id);
  }

  /** Shallow-clones a git repository (https, http or file URL) and copies its files (without .git) over the workspace. */
  async cloneTemplate(id: string, url: string, ref?: string): Promise<Workspace> {
    this.get(id);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid("url must be a URL");
    }
    if (!["https:", "http:", "file:"].includes(parsed.protocol)) throw invalid("url must use https, http or file");
    if (ref !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(ref))
      throw invalid("ref is not a valid git ref");
    const tmp = join(this.opts.snapshotsDir, `.clone-${randomHex(6)}`);
    try {
      const args = ["git", "clone", "--depth", "1", ...(ref ? ["--branch", ref] : []), "--", url, tmp];
      let proc: ReturnType<typeof spawn>;
      try {
        proc = spawn(args, { stdout: "ignore", stderr: "pipe", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
      } catch (error) {
        throw new RuntimeError("unavailable", `git is not available: ${(error as Error).message}`);
      }
      const code = await proc.exited;
      if (code !== 0) {
        const stderr = await new Response(proc.stderr as ReadableStream).text();
        throw new RuntimeError("unprocessable", `git clone failed: ${stderr.trim().slice(0, 500)}`);
      }
      rmSync(join(tmp, ".git"), { recursive: true, force: true });
      copyTree(tmp, this.dir(id), "");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    this.touch(id, url);
    return this.get(id);
  }

  // ---- files ----

  readFile(id: string, path: string): FileRead {
    this.get(id);
    const root = this.dir(id);
    const resolved = resolveInside(root, checkRelativePath(path));
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(resolved.absolute);
    } catch {
      throw notFound(`file ${resolved.relative || "/"} not found`);
    }
    if (stat.isDirectory()) {
      const entries: DirEntry[] = readdirSync(resolved.absolute)
        .sort()
        .map((name) => {
          const entry = lstatSync(join(resolved.absolute, name));
          const type = entry.isSymbolicLink() ? "symlink" : entry.isDirectory() ? "dir" : "file";
          return { name, type, size: type === "file" ? entry.size : 0 } as DirEntry;
        });
      return { type: "dir", path: resolved.relative, entries };
    }
    if (!stat.isFile()) throw invalid(`${resolved.relative} is not a regular file`);
    return { type: "file", path: resolved.relative, absolute: resolved.absolute, size: stat.size };
  }

  /** Atomic write (temporary file + rename); creates parent directories. */
  writeFile(id: string, path: string, data: Uint8Array): { path: string; size: number } {
    this.get(id);
    if (data.length > MAX_FILE_BYTES)
      throw new RuntimeError("too_large", `file is larger than ${MAX_FILE_BYTES} bytes`);
    const root = this.dir(id);
    const segments = checkRelativePath(path);
    if (segments.length === 0) throw invalid("path must name a file");
    const resolved = resolveInside(root, segments, true);
    mkdirSync(dirname(resolved.absolute), { recursive: true });
    // Again once the directories exist: a link swapped in meanwhile is caught here.
    resolveInside(root, segments.slice(0, -1));
    if (existsSync(resolved.absolute) && lstatSync(resolved.absolute).isDirectory())
      throw conflict(`${resolved.relative} is a directory`);
    const tmp = join(dirname(resolved.absolute), `.${segments.at(-1)}.tmp-${randomHex(4)}`);
    writeFileSync(tmp, data, { mode: 0o644 });
    renameSync(tmp, resolved.absolute);
    this.touch(id);
    return { path: resolved.relative, size: data.length };
  }

  deleteFile(id: string, path: string, recursive = false): void {
    this.get(id);
    const segments = checkRelativePath(path);
    if (segments.length === 0) throw invalid("the workspace root cannot be deleted (delete the workspace)");
    const resolved = resolveInside(this.dir(id), segments, true);
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(resolved.absolute);
    } catch {
      throw notFound(`file ${resolved.relative} not found`);
    }
    if (stat.isDirectory() && !recursive && readdirSync(resolved.absolute).length > 0)
      throw conflict(`${resolved.relative} is a non-empty directory (add ?recursive=true)`);
    rmSync(resolved.absolute, { recursive: stat.isDirectory(), force: true });
    this.touch(id);
  }

  // ---- export and snapshots ----

  exportStream(id: string): ReadableStream<Uint8Array> {
    this.get(id);
    return tarGzStream(this.dir(id));
  }

  async snapshot(id: string, label?: string): Promise<Snapshot> {
    this.get(id);
    if (label !== undefined && (typeof label !== "string" || label.length > 200))
      throw invalid("label must be a string of at most 200 characters");
    const snapId = `snap_${randomHex(8)}`;
    const dir = join(this.opts.snapshotsDir, id);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${snapId}.tar.gz`);
    const size = await Bun.write(file, new Response(tarGzStream(this.dir(id))));
    const now = Date.now();
    this.opts.db
      .query(
        "INSERT INTO workspace_snapshots (id, workspace_id, label, size_bytes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
      )
      .run(snapId, id, label ?? null, size, now);
    return {
      id: snapId,
      workspaceId: id,
      label: label ?? null,
      sizeBytes: size,
      createdAt: new Date(now).toISOString(),
    };
  }

  snapshots(id: string): Snapshot[] {
    this.get(id);
    const rows = this.opts.db
      .query("SELECT * FROM workspace_snapshots WHERE workspace_id = ?1 ORDER BY created_at, id")
      .all(id) as { id: string; workspace_id: string; label: string | null; size_bytes: number; created_at: number }[];
    return rows.map((row) => ({
      id: row.id,
      workspaceId: row.workspace_id,
      label: row.label,
      sizeBytes: row.size_bytes,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  }

  /** Replaces the workspace's files by the snapshot's. Links that would leave the workspace are not recreated. */
  async restore(id: string, snapshotId: string): Promise<Workspace> {
    const snapshot = this.snapshots(id).find((s) => s.id === snapshotId);
    if (!snapshot) throw notFound(`snapshot ${snapshotId} of workspace ${id} not found`);
    const archive = join(this.opts.snapshotsDir, id, `${snapshotId}.tar.gz`);
    if (!existsSync(archive)) throw notFound(`snapshot ${snapshotId} archive is missing`);
    const entries = readTar(Bun.gunzipSync(new Uint8Array(await Bun.file(archive).arrayBuffer())));
    const root = this.dir(id);
    for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true });
    for (const entry of entries) {
      const segments = checkRelativePath(entry.path);
      if (segments.length === 0) continue;
      const target = resolveInside(root, segments, true).absolute;
      if (entry.type === "dir") mkdirSync(target, { recursive: true });
      else if (entry.type === "file") {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, entry.data, { mode: entry.mode & 0o777 || 0o644 });
      } else if (linkStaysInside(root, target, entry.target)) {
        mkdirSync(dirname(target), { recursive: true });
        symlinkSync(entry.target, target);
      }
    }
    this.touch(id);
    return this.get(id);
  }
}

function checkName(name: unknown): void {
  if (typeof name !== "string" || !NAME_PATTERN.test(name))
    throw invalid("name must be 1-128 characters of A-Z a-z 0-9 space . _ - (starting with a letter or digit)");
}

function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    name: row.name,
    template: row.template,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Copies `source/rel` into `dest/rel` without following links; links are copied only if they stay inside. */
function copyTree(source: string, dest: string, rel: string): void {
  for (const name of readdirSync(join(source, rel))) {
    if (rel === "" && name === ".git") continue;
    const childRel = rel ? `${rel}/${name}` : name;
    const from = join(source, childRel);
    const to = join(dest, childRel);
    const stat = lstatSync(from);
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(from);
      if (!linkStaysInside(dest, to, target)) continue;
      rmSync(to, { force: true, recursive: true });
      symlinkSync(target, to);
    } else if (stat.isDirectory()) {
      resolveInside(dest, childRel.split("/"));
      mkdirSync(to, { recursive: true });
      copyTree(source, dest, childRel);
    } else if (stat.isFile()) {
      resolveInside(dest, childRel.split("/"), true);
      if (existsSync(to) && lstatSync(to).isSymbolicLink()) rmSync(to);
      copyFileSync(from, to);
    }
  }
}
