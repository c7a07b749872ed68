/** Control plane entry point: `npm start`. */
import { loadConfig } from "./config";
import { preopenPglite } from "./db/pglite-open";

// The embedded database opens on its own thread while the rest of the control plane loads (see pglite-open.ts).
const config = loadConfig(process.env);
if (!config.databaseUrl) preopenPglite(config.dataDir);
const { startControlPlane } = await import("./app");

const plane = await startControlPlane();
const { log } = plane.services;
log.info(`control plane listening on ${plane.url} (database: ${plane.database.kind})`);
log.info(`API docs: ${plane.url}/openapi`);
log.info(`MQTT: ${plane.transport.mqttUrl}${plane.transport.broker ? " (embedded broker)" : ""}`);
const grpc = plane.transport.grpc;
if (plane.config.sharedPort) log.info(`gRPC: on the same port (${new URL(plane.url).port})`);
if (grpc.separate) log.info(`gRPC: port ${grpc.port}`);
if (plane.generatedAdminKey) {
  // Printed once, to the operator's terminal (stderr), never into the structured log: the key is stored only as a
  // hash, and a log pipeline must not collect it.
  process.stderr.write(
    `\nBootstrap admin API key (shown once, store it now):\n  ADMIN_KEY=${plane.generatedAdminKey}\n\n`,
  );
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info(`received ${signal}, shutting down`);
    await plane.stop();
    process.exit(0);
  });
}
