import { afterEach, describe, expect, test } from "bun:test";
import { IdentityRejectedError, IdentitySetupError, ensureIdentity } from "../../edge-agent/src/auth/bootstrap.ts";
import { HttpAuthApi, toGrant } from "../../edge-agent/src/auth/control-plane-client.ts";
import { silentLogger } from "@edge/proto/log";
import { FakeAuthApi } from "../../edge-agent/test-support/fake-auth.ts";
import { MemoryIdentitySource, TEST_IDENTITY, testIdentity } from "../../edge-agent/test-support/helpers.ts";

const TOKEN_BODY = {
  tokenType: "Bearer",
  runtimeId: "runtime_test",
  agentId: "host_1",
  userId: "user_1",
  runtimeVersion: null,
  accessToken: "at",
  accessTokenExpiresAt: "2030-01-01T00:40:00.000Z",
  refreshToken: "rt",
  refreshTokenExpiresAt: "2030-02-01T00:00:00.000Z",
  tenantId: "tenant_1",
  hostId: "host_1",
};

let server: ReturnType<typeof Bun.serve> | undefined;
const requests: { path: string; body: unknown }[] = [];
afterEach(async () => {
  await server?.stop(true);
  server = undefined;
  requests.length = 0;
});

/** A control plane stub answering every request with `status` and `body`. */
function stub(status: number, body: unknown, headers: Record<string, string> = {}): HttpAuthApi {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      requests.push({ path: new URL(request.url).pathname, body: await request.json() });
      return new Response(typeof body === "string" ? body : JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json", ...headers },
      });
    },
  });
  return new HttpAuthApi(`http://127.0.0.1:${server.port}`);
}

describe("HttpAuthApi", () => {
  test("exchange sends exactly runtimeId, bootstrapToken, runtimeVersion and parses the grant", async () => {
    const api = stub(200, TOKEN_BODY, { date: "Tue, 01 Jan 2030 00:00:00 GMT" });
    const result = await api.exchange("runtime_test", "boot", "0.1.0");
    expect(requests).toEqual([
      {
        path: "/api/runtime/bootstrap/exchange",
        body: { runtimeId: "runtime_test", bootstrapToken: "boot", runtimeVersion: "0.1.0" },
      },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.grant.identity).toEqual(TEST_IDENTITY);
    expect(result.grant.tokens).toMatchObject({
      accessToken: "at",
      refreshToken: "rt",
      accessTokenExpiresAt: Date.parse(TOKEN_BODY.accessTokenExpiresAt),
    });
  });

  test("refresh posts the refresh token", async () => {
    const api = stub(200, TOKEN_BODY);
    await api.refresh("rt-old");
    expect(requests).toEqual([{ path: "/api/runtime/auth/refresh", body: { refreshToken: "rt-old" } }]);
  });

  test("401 is a final rejection carrying the control plane error", async () => {
    expect(await stub(401, { error: "runtime identity revoked" }).refresh("x")).toEqual({
      ok: false,
      kind: "rejected",
      status: 401,
      message: "POST /api/runtime/auth/refresh answered 401: runtime identity revoked",
    });
  });

  test.each([500, 503, 429])("%i is transient", async (status) => {
    expect(await stub(status, { error: "busy" }).refresh("x")).toMatchObject({ ok: false, kind: "unavailable" });
  });

  test("a malformed 200 is transient, not a crash", async () => {
    expect(await stub(200, { accessToken: "only" }).refresh("x")).toMatchObject({
      ok: false,
      kind: "unavailable",
      message: expect.stringContaining("malformed answer"),
    });
    expect(await stub(200, "not json").refresh("x")).toMatchObject({ ok: false, kind: "unavailable" });
  });

  test("an unreachable control plane is transient", async () => {
    expect(await new HttpAuthApi("http://127.0.0.1:1").refresh("x")).toMatchObject({ ok: false, kind: "unavailable" });
  });
});

describe("toGrant", () => {
  test("refresh is due at 75% of the lifetime measured on the server clock (local clock skew is harmless)", () => {
    const serverNow = Date.parse("2030-01-01T00:00:00Z"); // token lives 40 minutes from here
    const localNow = serverNow + 3_600_000; // local clock one hour ahead
    const grant = toGrant(TOKEN_BODY as never, serverNow, localNow)!;
    expect(grant.tokens.refreshDueAt - localNow).toBe(30 * 60_000);
  });

  test("never schedules a refresh less than 5s away", () => {
    const grant = toGrant(TOKEN_BODY as never, Date.parse("2030-01-01T00:40:00Z"), 0)!;
    expect(grant.tokens.refreshDueAt).toBe(5_000);
  });
});

describe("ensureIdentity", () => {
  const options = (store: MemoryIdentitySource, api: FakeAuthApi, bootstrapToken?: string) => ({
    runtimeId: TEST_IDENTITY.runtimeId,
    bootstrapToken,
    agentVersion: "0.1.0",
    store,
    api,
    backoff: { minMs: 1, maxMs: 2 },
    log: silentLogger,
  });

  test("reuses a stored identity without calling the control plane", async () => {
    const store = new MemoryIdentitySource(testIdentity());
    const api = new FakeAuthApi();
    expect(await ensureIdentity(options(store, api, "boot"))).toEqual(store.value!);
    expect(api.exchangeCalls).toEqual([]);
  });

  test("first start exchanges the bootstrap token (retrying while unavailable) and persists the result", async () => {
    const store = new MemoryIdentitySource(undefined);
    const api = new FakeAuthApi();
    api.scripted.push({ ok: false, kind: "unavailable", message: "down" });
    const identity = await ensureIdentity(options(store, api, "boot"));
    expect(api.exchangeCalls).toEqual([
      { runtimeId: "runtime_test", bootstrapToken: "boot", runtimeVersion: "0.1.0" },
      { runtimeId: "runtime_test", bootstrapToken: "boot", runtimeVersion: "0.1.0" },
    ]);
    expect(identity).toMatchObject({ ...TEST_IDENTITY, accessToken: "access-issued-1" });
    expect(store.value).toEqual(identity!);
  });

  test("no stored identity and no bootstrap token is a setup error", async () => {
    await expect(
      ensureIdentity(options(new MemoryIdentitySource(undefined), new FakeAuthApi())),
    ).rejects.toBeInstanceOf(IdentitySetupError);
  });

  test("a state dir of another runtime is a setup error", async () => {
    const store = new MemoryIdentitySource(testIdentity({ runtimeId: "someone_else" }));
    await expect(ensureIdentity(options(store, new FakeAuthApi()))).rejects.toThrow(
      'belongs to runtime "someone_else"',
    );
  });

  test("a rejected bootstrap token is final", async () => {
    const api = new FakeAuthApi();
    api.scripted.push({
      ok: false,
      kind: "rejected",
      status: 401,
      message: "invalid, used or expired bootstrap token",
    });
    await expect(ensureIdentity(options(new MemoryIdentitySource(undefined), api, "boot"))).rejects.toBeInstanceOf(
      IdentityRejectedError,
    );
  });

  test("aborting stops the retries", async () => {
    const api = new FakeAuthApi();
    for (let i = 0; i < 1000; i++) api.scripted.push({ ok: false, kind: "unavailable", message: "down" });
    const abort = new AbortController();
    const pending = ensureIdentity({
      ...options(new MemoryIdentitySource(undefined), api, "boot"),
      backoff: { minMs: 20, maxMs: 20 },
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 30);
    expect(await pending).toBeUndefined();
  });
});
