/** A terminal websocket as an operator's browser holds it: authenticated first, output text and control frames kept. */
export interface PtySession {
  output(): string;
  control: { type: string; [k: string]: unknown }[];
  send(data: string | object): void;
  closed: Promise<number>;
  ws: WebSocket;
}

/** Opens the websocket at `url` and sends `{type: "auth", ...auth}` once open. */
export function connectPty(url: string, auth: object): PtySession {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const control: PtySession["control"] = [];
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", ...auth }));
  ws.onmessage = (event) => {
    if (typeof event.data === "string") control.push(JSON.parse(event.data));
    else chunks.push(decoder.decode(new Uint8Array(event.data as ArrayBuffer), { stream: true }));
  };
  const closed = new Promise<number>((resolve) => {
    ws.onclose = (event) => resolve(event.code);
  });
  return {
    output: () => chunks.join(""),
    control,
    send: (data) => ws.send(typeof data === "string" ? new TextEncoder().encode(data) : JSON.stringify(data)),
    closed,
    ws,
  };
}
