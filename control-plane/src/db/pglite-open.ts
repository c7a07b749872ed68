/**
 * Opening the embedded PGlite: the slowest part of a control plane's start (a worker thread, PGlite's WebAssembly,
 * the data directory), so `main.ts` begins it first (`preopenPglite`) and loads the rest of the control plane
 * meanwhile, on the other core; `openDatabase` then takes the opening under way (`takePreopened`). This module's
 * imports stay light for that reason.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PgliteWorkerClient } from "./pglite-client";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export interface OpenedPglite {
  client: PgliteWorkerClient;
  /** memory:// that found no template tarball: where to write one once the database is migrated. */
  dumpTemplateTo?: string;
}

/**
 * A new database starts from a migrated template: initdb and the migrations are most of a fresh start. A data
 * directory never initialised (absent or empty) is a copy of the template directory (a native copy: PGlite's own
 * tarball extraction costs more than the open itself); memory:// loads the template tarball.
 */
export async function openPgliteClient(dataDir: string): Promise<OpenedPglite> {
  const inMemory = dataDir.startsWith("memory://");
  const template = templatePath();
  if (!inMemory && (!existsSync(dataDir) || readdirSync(dataDir).length === 0)) {
    const templateDir = await migratedTemplateDir(template.dir);
    if (templateDir) cpSync(templateDir, dataDir, { recursive: true });
  }
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const fromTemplate = inMemory && existsSync(template.tar);
  // PGlite runs on its own thread; drizzle's PGlite driver only needs `query` and `transaction` from it.
  const client = fromTemplate
    ? await PgliteWorkerClient.open(dataDir, template.tar).catch(() => PgliteWorkerClient.open(dataDir))
    : await PgliteWorkerClient.open(dataDir);
  return { client, dumpTemplateTo: inMemory && !fromTemplate ? template.tar : undefined };
}

let preopened: { dataDir: string; opening: Promise<OpenedPglite> } | undefined;

/** Begins opening `dataDir` now, for the next `openDatabase` of the same directory (main.ts, once). */
export function preopenPglite(dataDir: string): void {
  const opening = openPgliteClient(dataDir);
  opening.catch(() => {}); // its failure is reported where it is taken
  preopened = { dataDir, opening };
}

/** The opening begun by `preopenPglite` for `dataDir`, once; undefined if none. */
export function takePreopened(dataDir: string): Promise<OpenedPglite> | undefined {
  if (preopened?.dataDir !== dataDir) return undefined;
  const { opening } = preopened;
  preopened = undefined;
  return opening;
}

/**
 * The migrated template data directory, created once (initdb + migrations in a staging directory, then renamed:
 * processes racing to create it never expose a partial one). Undefined if it cannot be made (then initdb runs).
 */
async function migratedTemplateDir(dir: string): Promise<string | undefined> {
  if (existsSync(dir)) return dir;
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const schema = await import("./schema");
  const staging = `${dir}.${process.pid}.${Date.now()}.partial`;
  try {
    const client = await PgliteWorkerClient.open(staging);
    try {
      await migrate(drizzle(client as never, { schema }), { migrationsFolder });
    } finally {
      await client.close();
    }
    renameSync(staging, dir);
  } catch {
    // Another process won the race (the rename found its directory), or the temp dir is unusable.
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return existsSync(dir) ? dir : undefined;
}

/** Where a freshly migrated database is kept, named by the migrations and PGlite's version. */
function templatePath(): { tar: string; dir: string } {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsFolder)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(join(migrationsFolder, file)));
  }
  hash.update(JSON.stringify(createRequire(import.meta.url)("@electric-sql/pglite/package.json").version));
  const base = join(tmpdir(), `edge-orchestrator-pglite-${hash.digest("hex").slice(0, 16)}`);
  return { tar: `${base}.tar`, dir: `${base}.d` };
}
