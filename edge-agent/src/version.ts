/** The agent's version: its package.json version (edge-agent/package.json), embedded at build time (works in a compiled binary). */
import pkg from "../package.json" with { type: "json" };

export const AGENT_VERSION: string = pkg.version;

/** A fixed version, or a live one (the installed runtime version changes when an update is applied). */
export type VersionSource = string | (() => string);

export const readVersion = (source: VersionSource): string => (typeof source === "string" ? source : source());
