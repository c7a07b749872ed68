#!/usr/bin/env bun
/**
 * Edge agent entry point: configuration, local state, runtime identity, then the supervised actors until a
 * signal (exit 0), an identity rejection (exit 3) or an unrecoverable failure (exit 1). Bad config exits 2.
 */
import type { Database } from "bun:sqlite";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { startAgent, type Agent } from "./agent/agent.ts";
import { ESTOP_FILE_NAME } from "./agent/estop.ts";
import { IdentityRejectedError, IdentitySetupError, ensureIdentity } from "./auth/bootstrap.ts";
import { HttpAuthApi } from "./auth/control-plane-client.ts";
import { RecoverySecretFile } from "./auth/recovery-secret.ts";
import { ConfigError, helpText, parseConfig, type AgentConfig } from "./config.ts";
import { ExitCode } from "./exit-codes.ts";
import { createLogger, errorMessage, type Logger } from "@edge/proto/log";
import { openAgentDatabase } from "./store/database.ts";
import { IdentityStore } from "./store/identity-store.ts";
import { RuntimeVersionStore } from "./store/runtime-state.ts";
import { AGENT_VERSION } from "./version.ts";

async function main(): Promise<ExitCode> {
  let config: AgentConfig;
  try {
    const parsed = parseConfig(process.argv.slice(2), process.env);
    if (parsed.action === "help") {
      console.log(helpText());
      return ExitCode.ok;
    }
    if (parsed.action === "version") {
      console.log(AGENT_VERSION);
      return ExitCode.ok;
    }
    config = parsed.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`edge-agent: ${error.message}`);
    return ExitCode.config;
  }
  const log = createLogger(config.logLevel);

  let db: Database;
  try {
    db = openAgentDatabase(config.stateDir);
  } catch (error) {
    console.error(`edge-agent: ${errorMessage(error)}`);
    return ExitCode.config;
  }
  try {
    return await run(config, db, log);
  } finally {
    db.close();
  }
}

async function run(config: AgentConfig, db: Database, log: Logger): Promise<ExitCode> {
  const identityStore = new IdentityStore(db);
  const authApi = new HttpAuthApi(config.apiUrl);
  const bootstrapAbort = new AbortController();
  let agent: Agent | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.error(`${signal} again: exiting immediately`);
      process.exit(ExitCode.failure);
    }
    log.info(`${signal} received`);
    if (agent) void agent.stop(ExitCode.ok);
    else bootstrapAbort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Local emergency stop without any network: SIGUSR1 creates <state-dir>/ESTOP (remove the file to release).
  process.on("SIGUSR1", () => {
    log.warn("SIGUSR1: local emergency stop");
    agent?.localStop(`SIGUSR1 at ${new Date().toISOString()}`);
  });
  const onFatal = (error: unknown) => {
    log.error("unexpected error", error);
    if (agent) void agent.stop(ExitCode.failure);
    else process.exit(ExitCode.failure);
  };
  process.on("uncaughtException", onFatal);
  process.on("unhandledRejection", onFatal);

  const recoverySecret = new RecoverySecretFile(config.stateDir);
  let identity: Awaited<ReturnType<typeof ensureIdentity>>;
  try {
    identity = await ensureIdentity({
      runtimeId: config.runtimeId,
      bootstrapToken: config.bootstrapToken,
      enroll: config.enrollToken
        ? {
            token: config.enrollToken,
            machineId: config.machineId,
            name: config.machineId,
            capabilities: [...config.capabilities, ...Object.keys(config.agentTypes).map((name) => `agent:${name}`)],
            hardware: { cpus: cpus().length, memoryBytes: totalmem(), arch: process.arch, platform: process.platform },
            // The secret re-issues tokens if they are ever lost (POST /api/workers/recover); keep it private.
            saveRecoverySecret: (secret) => recoverySecret.save(secret),
          }
        : undefined,
      agentVersion: new RuntimeVersionStore(db, AGENT_VERSION).get(),
      labels: config.labels,
      store: identityStore,
      api: authApi,
      backoff: { minMs: config.reconnectMinMs, maxMs: config.reconnectMaxMs },
      log,
      signal: bootstrapAbort.signal,
    });
  } catch (error) {
    if (error instanceof IdentitySetupError) {
      console.error(`edge-agent: ${error.message}`);
      return ExitCode.config;
    }
    if (error instanceof IdentityRejectedError) {
      log.error(`${error.message}. The bootstrap token is invalid, used or revoked; exiting`);
      return ExitCode.rejected;
    }
    throw error;
  }
  if (!identity) return ExitCode.ok; // signal during bootstrap
  config = { ...config, runtimeId: identity.runtimeId };

  try {
    const update = {
      apiUrl: config.apiUrl,
      stateDir: config.stateDir,
      installDir: config.installDir,
      publicKey: config.updatePublicKey,
      channel: config.updateChannel,
      checkIntervalMs: config.updateCheckIntervalMs,
      scriptTimeoutMs: config.updateScriptTimeoutMs,
    };
    const estopFile = join(config.stateDir, ESTOP_FILE_NAME);
    agent = await startAgent({
      settings: config,
      db,
      identity,
      tokens: identityStore,
      authApi,
      recoverySecret,
      log,
      update,
      estopFile,
      releaseStartupPages: true,
      runtime: {
        stateDir: config.stateDir,
        templatesDir: config.templatesDir,
        portRange: config.appPortRange,
        api: config.runtimeApi,
      },
    });
  } catch (error) {
    console.error(`edge-agent: ${errorMessage(error)}`);
    return ExitCode.config;
  }
  // Printed whatever the log level: scripts on the host need to find an ephemeral port.
  if (agent.telemetryPort !== undefined)
    console.log(`telemetry endpoint: http://127.0.0.1:${agent.telemetryPort}/telemetry`);
  if (agent.runtimeApiUrl !== undefined) console.log(`runtime api: ${agent.runtimeApiUrl}`);
  return agent.exited;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error("edge-agent: fatal:", error);
    process.exit(ExitCode.failure);
  },
);
