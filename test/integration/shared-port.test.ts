/** REST and gRPC on one port (the default): a gRPC client and a REST client on the same port at the same time. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { sendCommand } from "../support/grpc-clients";

const backends = await availableBackends();

describe.each(backends)("REST and gRPC on one port on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend);
  });
  afterAll(() => t?.stop());

  test("gRPC SendCommand and REST calls interleaved on the HTTP port", async () => {
    const port = new URL(t.plane.url).port;
    expect(Number(port)).not.toBe(t.plane.transport.grpc.port);
    const host = (await t.api.post("/api/v1/hosts", { name: "one-port" }, t.adminKey)).body;
    const [grpcAnswers, restAnswers] = await Promise.all([
      Promise.all(
        [1, 2, 3].map(() =>
          sendCommand(`127.0.0.1:${port}`, t.adminKey, { hostId: host.id, kind: "echo", paramsJson: "{}" }),
        ),
      ),
      Promise.all([1, 2, 3].map(() => t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey))),
    ]);
    for (const r of restAnswers) expect(r.status).toBe(200);
    const ids = grpcAnswers.map((a) => a.commandId);
    for (const id of ids) {
      expect(id).toBeTruthy();
      expect((await t.api.get(`/api/v1/commands/${id}`, t.adminKey)).status).toBe(200);
    }
    expect((await t.api.get("/health")).body).toEqual({ status: "ok" });
  });
});
