/**
 * The control plane's structured logger: pino, one JSON object per line on stdout (`LOG_FORMAT=json`, the default
 * when stdout is not a terminal), or one readable line per event (`LOG_FORMAT=pretty`, formatted here: no extra
 * dependency). Every line written while an HTTP request (or a gRPC call) is handled carries its `requestId`
 * (db/context.ts keeps it with the request's database context). Keys that look like secrets are masked.
 */
import pino, { type DestinationStream, type Level } from "pino";
import type { Logger } from "@edge/proto/log";
import { currentRequestId } from "../db/context";

export const LOG_LEVELS = ["silent", "fatal", "error", "warn", "info", "debug", "trace"] as const;
export type ControlPlaneLogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "json" | "pretty";

/** A Logger (the interface both runtimes share) that is also the pino instance behind it. */
export interface StructuredLogger extends Logger {
  readonly pino: pino.Logger;
}

const SECRET_PATHS = [
  "token",
  "password",
  "secret",
  "authorization",
  "*.token",
  "*.password",
  "*.secret",
  "*.authorization",
  "*.accessToken",
  "*.refreshToken",
];

export function createStructuredLogger(
  level: ControlPlaneLogLevel,
  format: LogFormat,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): StructuredLogger {
  const out = format === "pretty" ? prettyStream(destination) : destination;
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: SECRET_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    out,
  );
  const emit = (lvl: Level) => (msg: string, extra?: unknown) => {
    if (extra === undefined) logger[lvl](msg);
    else if (extra instanceof Error) logger[lvl]({ err: extra }, msg);
    else if (typeof extra === "object" && extra !== null && !Array.isArray(extra))
      logger[lvl](extra as Record<string, unknown>, msg);
    else logger[lvl]({ detail: extra }, msg);
  };
  return { pino: logger, debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** `LOG_FORMAT` unset: json unless stdout is a terminal. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? "pretty" : "json";
}

const COLORS: Record<string, string> = { fatal: "35", error: "31", warn: "33", info: "32", debug: "36", trace: "90" };

/** `2026-11-26T06:30:00.000Z INFO  [req 1f2e…] message key=value …` (colored on a terminal). */
function prettyStream(destination: DestinationStream): DestinationStream {
  const color = process.stdout.isTTY;
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line);
      } catch {
        destination.write(line);
        return;
      }
      const { time, level, msg, pid: _pid, requestId, err, ...rest } = o;
      const tag = String(level).toUpperCase().padEnd(5);
      const parts = [
        String(time),
        color ? `\x1b[${COLORS[String(level)] ?? "0"}m${tag}\x1b[0m` : tag,
        requestId ? `[${requestId}]` : "",
        String(msg ?? ""),
        ...Object.entries(rest).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`),
      ].filter(Boolean);
      const stack = err && typeof err === "object" && "stack" in err ? `\n${(err as { stack: string }).stack}` : "";
      destination.write(`${parts.join(" ")}${stack}\n`);
    },
  };
}
