/**
 * Confinement of file access to a workspace directory. A relative path is checked lexically first (no absolute
 * paths, no `.`/`..` segments, no backslashes, NUL or leftover percent-escapes: 400), then on disk (every existing
 * component is resolved with realpath and must stay inside the workspace, so a symlink that escapes is refused: 403).
 */
import { lstatSync, realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { forbidden, invalid } from "./errors.ts";

export const MAX_PATH_LENGTH = 1024;

/** Splits and checks a workspace-relative path; "" (or "/"-free empty) is the workspace root. */
export function checkRelativePath(raw: string): string[] {
  if (raw.length > MAX_PATH_LENGTH) throw invalid(`path is longer than ${MAX_PATH_LENGTH} characters`);
  if (raw.includes("\0")) throw invalid("path must not contain NUL");
  if (raw.includes("\\")) throw invalid("path must not contain backslashes");
  if (/%[0-9A-Fa-f]{2}/.test(raw)) throw invalid("path must not contain percent-encoded characters after decoding");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw) || raw.startsWith("~")) throw invalid("path must be relative");
  const segments = raw.split("/").filter((segment, i, all) => !(segment === "" && i === all.length - 1));
  for (const segment of segments) {
    if (segment === "") throw invalid("path must not contain empty segments");
    if (segment === "." || segment === "..") throw invalid("path must not contain . or .. segments");
  }
  return segments;
}

/** Decodes a path taken from a URL (once) and checks it. */
export function decodeUrlPath(encoded: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw invalid("path is not valid percent-encoding");
  }
  return checkRelativePath(decoded);
}

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

export interface ResolvedPath {
  /** Absolute path under the workspace (not resolved through links). */
  absolute: string;
  /** Workspace-relative path with forward slashes. */
  relative: string;
}

/**
 * Resolves `segments` under `root`, refusing any existing component (the target included, unless `allowFinalLink`)
 * whose real path leaves the workspace.
 */
export function resolveInside(root: string, segments: readonly string[], allowFinalLink = false): ResolvedPath {
  const realRoot = realpathSync(root);
  const absolute = join(root, ...segments);
  let current = root;
  for (let i = 0; i < segments.length; i++) {
    current = join(current, segments[i]!);
    let isLink = false;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      break; // does not exist: nothing further down exists either
    }
    if (isLink && allowFinalLink && i === segments.length - 1) break;
    let real: string;
    try {
      real = realpathSync(current);
    } catch {
      throw forbidden(`path ${segments.slice(0, i + 1).join("/")} is a dangling link`);
    }
    if (!inside(realRoot, real)) throw forbidden(`path ${segments.slice(0, i + 1).join("/")} leaves the workspace`);
  }
  return { absolute, relative: segments.join("/") };
}

/** Whether a symlink at `linkPath` (inside `root`) points to somewhere inside `root` (lexically, for extraction). */
export function linkStaysInside(root: string, linkPath: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\\") || target.includes("\0")) return false;
  return inside(root, join(dirname(linkPath), target));
}
