/** The leveled logger of both runtimes: one line per event on stderr. Never pass secrets; keys that look like secrets are masked anyway. */
export type LogLevel = "silent" | "info" | "debug";
export const LOG_LEVELS: readonly LogLevel[] = ["silent", "info", "debug"];

export interface Logger {
  debug(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  error(msg: string, extra?: unknown): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => console.error(line)): Logger {
  const emit = (tag: string, msg: string, extra?: unknown) =>
    write(`${new Date().toISOString()} ${tag} ${msg}${extra === undefined ? "" : ` ${format(extra)}`}`);
  const on = level !== "silent";
  return {
    debug: (msg, extra) => level === "debug" && emit("DEBUG", msg, extra),
    info: (msg, extra) => on && emit("INFO", msg, extra),
    warn: (msg, extra) => on && emit("WARN", msg, extra),
    error: (msg, extra) => on && emit("ERROR", msg, extra),
  };
}

export const silentLogger: Logger = createLogger("silent");

const SECRET_KEY = /token|password|secret|authorization/i;

function format(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, (key, v) => (SECRET_KEY.test(key) && typeof v === "string" ? "[redacted]" : v));
  } catch {
    return String(value);
  }
}

/** Human-readable message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
