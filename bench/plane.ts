import { startControlPlane } from "../control-plane/src/app";
import type { Config } from "../control-plane/src/config";

/**
 * The control plane a benchmark measures, in the benchmark's process: ephemeral ports, no log, the embedded
 * defaults unless DATABASE_URL / MQTT_URL are set (point DATABASE_URL at a scratch database).
 */
export function startBenchPlane(adminKey: string, overrides: Partial<Config> = {}) {
  return startControlPlane({
    port: 0,
    mqttPort: 0,
    grpcPort: 0,
    host: "127.0.0.1",
    logLevel: "silent",
    dataDir: "memory://",
    // Its own shared group: a plane of another run on the same broker must not take this run's agents' messages.
    mqttSharedGroup: `bench-${process.pid}`,
    adminKey,
    ...overrides,
  });
}
