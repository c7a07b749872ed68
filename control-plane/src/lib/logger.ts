/** Minimal leveled logger writing one line per event to stderr. */
export interface Logger {
  info(msg: string, extra?: unknown): void;
  debug(msg: string, extra?: unknown): void;
  error(msg: string, err?: unknown): void;
}

export function createLogger(level: "silent" | "info" | "debug"): Logger {
  const write = (tag: string, msg: string, extra?: unknown) =>
    console.error(`${new Date().toISOString()} ${tag} ${msg}${extra === undefined ? "" : ` ${format(extra)}`}`);
  return {
    info: (msg, extra) => level !== "silent" && write("INFO", msg, extra),
    debug: (msg, extra) => level === "debug" && write("DEBUG", msg, extra),
    error: (msg, err) => level !== "silent" && write("ERROR", msg, err),
  };
}

function format(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  return typeof value === "string" ? value : JSON.stringify(value);
}
