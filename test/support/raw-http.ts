/** Raw HTTP/1.1 over a socket of its own, for what `fetch` hides: how long the server keeps an idle connection. */
import { connect } from "node:net";

/**
 * A GET on a connection of its own, kept alive after the answer: its text, and how long the server kept the
 * connection open once the answer was whole and the connection idle (-1: no whole answer; ~15 s: not closed).
 */
export function getKeptAlive(base: string, path: string, key?: string): Promise<{ text: string; idleOpenMs: number }> {
  const { hostname, port } = new URL(base);
  const auth = key ? `Authorization: Bearer ${key}\r\n` : "";
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n${auth}\r\n`),
    );
    let text = "";
    let answeredAt = 0;
    const giveUp = setTimeout(() => socket.destroy(), 15_000);
    socket.on("data", (data) => {
      text += data;
      if (!answeredAt && answerComplete(text)) answeredAt = performance.now();
    });
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(giveUp);
      resolve({ text, idleOpenMs: answeredAt ? performance.now() - answeredAt : -1 });
    });
  });
}

/** Whether `text` holds a whole HTTP/1.1 answer: chunked up to its last chunk, or as long as its Content-Length. */
function answerComplete(text: string): boolean {
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return false;
  const length = /^content-length: *(\d+)\r$/im.exec(text.slice(0, headEnd + 2));
  // Bun sends a streamed body whose end it already holds with a Content-Length instead of chunks.
  if (length) return Buffer.byteLength(text.slice(headEnd + 4)) >= Number(length[1]);
  return text.endsWith("\r\n0\r\n\r\n");
}
