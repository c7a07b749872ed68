/** Output: tables for people, JSON or YAML for programs; progress on stderr, and only on a terminal. */
import YAML from "yaml";
import { UsageError } from "./errors.ts";

export type Format = "table" | "json" | "yaml" | "name";

export function parseFormat(value: string | undefined): Format {
  const format = value ?? "table";
  if (format === "wide") return "table";
  if (format !== "table" && format !== "json" && format !== "yaml" && format !== "name")
    throw new UsageError(`unknown output format "${format}" (table, json, yaml or name)`);
  return format;
}

export const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
export const info = (text: string) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);

export function printData(data: unknown, format: "json" | "yaml"): void {
  if (format === "json") out(JSON.stringify(data, null, 2));
  else out(YAML.stringify(data));
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length ? value.join(",") : "-";
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(",") : "-";
  }
  return String(value).replace(/\s+/g, " ");
}

export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cell(c.value(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("   "))
    .join("\n");
}

/** "3m ago" style age of an ISO timestamp. */
export function age(iso: unknown): string {
  if (typeof iso !== "string") return "-";
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return "-";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * A spinner with a message on stderr while something long runs (waiting for an agent, a login approval, applying
 * many documents); nothing at all when stderr is not a terminal, so scripts and logs stay clean.
 */
export class Progress {
  private timer?: ReturnType<typeof setInterval>;
  private frame = 0;
  private message = "";
  private readonly enabled = Boolean(process.stderr.isTTY) && !process.env.EDGECTL_NO_PROGRESS;

  start(message: string): this {
    this.message = message;
    if (!this.enabled || this.timer) return this;
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref?.();
    this.draw();
    return this;
  }

  update(message: string): void {
    this.message = message;
  }

  /** A bar for counted work: `[#####     ] 5/10 message`. */
  count(done: number, total: number, message = this.message): void {
    const width = 20;
    const filled = total ? Math.round((done / total) * width) : width;
    this.message = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${message}`;
    if (this.enabled && !this.timer) this.start(this.message);
  }

  private draw(): void {
    const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    this.frame = (this.frame + 1) % frames.length;
    process.stderr.write(`\r\x1b[2K${frames[this.frame]} ${this.message}`);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    process.stderr.write("\r\x1b[2K");
  }
}
