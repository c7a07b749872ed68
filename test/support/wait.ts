/**
 * Polls `probe` until it yields a value (anything but undefined/false), or fails after `timeoutMs`. Polls at once,
 * then every 5 ms, backing off to every 50 ms: fast for in-process conditions, light on servers for slow ones.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await Bun.sleep(Math.min(50, 5 * 2 ** attempt));
  }
}
