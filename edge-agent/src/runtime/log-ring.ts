/** The last lines of an app's output (and the runtime's notes about it), bounded. */
export interface LogLine {
  at: string;
  stream: "stdout" | "stderr" | "runtime";
  line: string;
}

export class LogRing {
  private readonly lines: LogLine[] = [];

  constructor(
    private readonly capacity = 1_000,
    private readonly onLine?: (line: LogLine) => void,
  ) {}

  push(stream: LogLine["stream"], line: string): void {
    const entry = { at: new Date().toISOString(), stream, line };
    this.lines.push(entry);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    this.onLine?.(entry);
  }

  recent(limit = this.capacity): LogLine[] {
    return this.lines.slice(-limit);
  }
}
