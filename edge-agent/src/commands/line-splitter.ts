/** Splits a byte stream into lines for live output; lines longer than the cap are truncated. */

/** Longest line passed on, in bytes; the rest of a longer line is dropped. */
export const MAX_LINE_BYTES = 4 * 1024;

const NEWLINE = 0x0a;

export class LineSplitter {
  private buffer: Uint8Array[] = [];
  private buffered = 0;
  /** The current line already hit the cap: skip to its end. */
  private truncated = false;
  private readonly decoder = new TextDecoder();

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      this.keep(chunk.subarray(start, end === -1 ? chunk.length : end));
      if (end === -1) return;
      this.emit();
      start = end + 1;
    }
  }

  /** End of stream: a last line without a newline still counts. */
  end(): void {
    if (this.buffered > 0 || this.truncated) this.emit();
  }

  private keep(part: Uint8Array): void {
    const room = MAX_LINE_BYTES - this.buffered;
    if (part.length > room) this.truncated = true;
    if (room <= 0 || part.length === 0) return;
    const kept = part.subarray(0, room);
    this.buffer.push(kept);
    this.buffered += kept.length;
  }

  private emit(): void {
    const line = this.decoder.decode(Buffer.concat(this.buffer)).replace(/\r$/, "");
    this.buffer = [];
    this.buffered = 0;
    this.truncated = false;
    this.onLine(line);
  }
}
