/** A Server-Sent Events client over fetch (the way the web console reads `GET /api/web/events`). */
export interface LiveEvent {
  event: string;
  data: Record<string, unknown>;
}

export class SseClient {
  readonly events: LiveEvent[] = [];
  /** Comment lines (heartbeats) received. */
  comments = 0;
  ended = false;
  status = 0;
  private readonly abort = new AbortController();
  private waiters = new Set<() => void>();

  private constructor() {}

  /** Opens the stream; resolves once the status is known (and, for 200, the `ready` event has arrived). */
  static async open(url: string, token?: string): Promise<SseClient & { body?: unknown }> {
    const client = new SseClient() as SseClient & { body?: unknown };
    const res = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: client.abort.signal,
    });
    client.status = res.status;
    if (res.status !== 200) {
      client.body = await res.json().catch(() => undefined);
      client.ended = true;
      return client;
    }
    void client.read(res.body!);
    await client.next((e) => e.event === "ready", 10_000);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf("\n\n");
          if (block.startsWith(":")) this.comments++;
          else {
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
            const data = /^data: (.*)$/m.exec(block)?.[1];
            this.events.push({ event, data: data ? JSON.parse(data) : {} });
          }
          this.wake();
        }
      }
    } catch {}
    this.ended = true;
    this.wake();
  }

  private wake() {
    for (const w of this.waiters) w();
  }

  /** The first event (received or to come) matching `match`. */
  async next(match: (e: LiveEvent) => boolean, timeoutMs = 10_000): Promise<LiveEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.ended) throw new Error(`stream ended; events: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching event within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
  }

  /** Resolves when the server has ended the stream. */
  async untilEnded(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error("stream still open");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close() {
    this.abort.abort();
  }
}
