/**
 * The CLI's configuration: contexts like kubectl's (an API URL, optionally a gRPC address, and the credentials got
 * there), kept in `$XDG_CONFIG_HOME/edgectl/config.yaml` (default `~/.config/edgectl`), mode 0600 in a 0700 folder:
 * it holds refresh tokens and API keys.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { CliError } from "./errors.ts";

export interface Context {
  apiUrl: string;
  /** host:port of the gRPC Operator service (default: the API's host and port: REST and gRPC share one port). */
  grpcUrl?: string;
  /** Personal access token or API key (`roz_sk_...`): used as is, never refreshed. */
  apiKey?: string;
  accessToken?: string;
  accessTokenExpiresAt?: string;
  refreshToken?: string;
  refreshTokenExpiresAt?: string;
  userId?: string;
}

export interface ConfigFile {
  currentContext: string;
  contexts: Record<string, Context>;
}

export const DEFAULT_API_URL = "http://localhost:8080";
export const DEFAULT_CONTEXT = "default";

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "edgectl");
}

export const configPath = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), "config.yaml");

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const path = configPath(env);
  if (!existsSync(path)) return { currentContext: DEFAULT_CONTEXT, contexts: {} };
  let parsed: unknown;
  try {
    parsed = YAML.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const file = (parsed ?? {}) as Partial<ConfigFile>;
  if (typeof file !== "object" || Array.isArray(file)) throw new CliError(`${path}: not a config file`);
  return {
    currentContext: typeof file.currentContext === "string" ? file.currentContext : DEFAULT_CONTEXT,
    contexts: file.contexts && typeof file.contexts === "object" ? file.contexts : {},
  };
}

/** Written atomically (temp file + rename), mode 0600: the file holds credentials. */
export function saveConfig(config: ConfigFile, env: NodeJS.ProcessEnv = process.env): void {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = configPath(env);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, YAML.stringify(config), { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}
