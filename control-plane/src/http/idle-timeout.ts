/**
 * The HTTP server's idle timeout (HTTP_IDLE_TIMEOUT_SECONDS) lifted for one request whose route bounds its own waits
 * and silences: Bun's idle timeout also ends a request whose answer has not begun, or streams but says nothing, for
 * that long. Bun keeps a request's own timeout on its keep-alive connection after the answer (until the next request
 * on it), so the server's is put back once the answer is over: that connection is then closed idle like any other.
 */
export type TimeoutServer = { timeout(request: Request, seconds: number): void } | null | undefined;

export function liftIdleTimeout(server: TimeoutServer, request: Request, idleSeconds: number) {
  server?.timeout(request, 0);
  const restore = () => server?.timeout(request, idleSeconds);
  return {
    /** Puts the server's idle timeout back (the answer failed, or is complete in memory). */
    restore,
    /** `body`, which puts the server's idle timeout back when it ends (a client that goes away closes the socket). */
    untilEnd: (body: ReadableStream<Uint8Array>) =>
      body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: restore })),
  };
}
