/**
 * The HTTP server's idle timeout (HTTP_IDLE_TIMEOUT_SECONDS) lifted for one request whose route bounds its own waits
 * and silences: Bun's idle timeout also ends a request whose answer has not begun, or streams but says nothing, for
 * that long. Bun keeps a request's own timeout on its keep-alive connection after the answer (until the next request
 * on it), so the server's is put back once the answer is over: that connection is then closed idle like any other.
 */
export type TimeoutServer = { timeout(request: Request, seconds: number): void } | null | undefined;

/**
 * `answer()` with the idle timeout lifted for `request` until the answer's body has ended (or at once when it has no
 * body, or fails); `idleSeconds` is the server's own, put back then. A client that goes away closes the socket.
 */
export async function withoutIdleTimeout(
  server: TimeoutServer,
  request: Request,
  idleSeconds: number,
  answer: () => Promise<Response>,
): Promise<Response> {
  server?.timeout(request, 0);
  const restore = () => server?.timeout(request, idleSeconds);
  let response: Response;
  try {
    response = await answer();
  } catch (err) {
    restore();
    throw err;
  }
  if (!response.body) {
    restore();
    return response;
  }
  const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: restore }));
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
