import { describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { mqttOptionsFromUrl } from "../../edge-agent/src/agent/mqtt-url.ts";
import { jitteredBackoffMs } from "../../edge-agent/src/backoff.ts";
import { ConfigError, helpText, parseConfig, type AgentConfig } from "../../edge-agent/src/config.ts";

const REQUIRED_ENV = {
  EDGE_API_URL: "http://127.0.0.1:8080/",
  EDGE_MQTT_URL: "mqtt://127.0.0.1:1883",
  EDGE_RUNTIME_ID: "runtime_abc",
};

function config(argv: string[], env: Record<string, string | undefined> = REQUIRED_ENV): AgentConfig {
  const parsed = parseConfig(argv, env);
  if (parsed.action !== "run") throw new Error(`expected run, got ${parsed.action}`);
  return parsed.config;
}

function configError(argv: string[], env: Record<string, string | undefined> = REQUIRED_ENV): string {
  try {
    parseConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  test("--agent-type takes name=path pairs; anything else is a config error", () => {
    expect(config(["--agent-type", "default=/usr/bin/agent, claude=/opt/claude"]).agentTypes).toEqual({
      default: "/usr/bin/agent",
      claude: "/opt/claude",
    });
    expect(configError(["--agent-type", "nopath"])).toContain("expected name=path");
    expect(configError(["--agent-type", "=/bin/x"])).toContain("expected name=path");
  });

  test("--label is repeatable key=value (EDGE_LABELS: comma-separated); bad labels are config errors", () => {
    expect(config(["--label", "site=berlin", "--label=role=picker"]).labels).toEqual({
      site: "berlin",
      role: "picker",
    });
    expect(config([], { ...REQUIRED_ENV, EDGE_LABELS: "site=oslo, tier=a=b" }).labels).toEqual({
      site: "oslo",
      tier: "a=b",
    });
    expect(config(["--label", "site=x"], { ...REQUIRED_ENV, EDGE_LABELS: "site=oslo" }).labels).toEqual({ site: "x" });
    expect(configError(["--label", "novalue"])).toContain("expected key=value");
    expect(configError(["--label", "bad key!=x"])).toContain("not a valid label key");
    expect(configError(["--label", "a=1", "--label", "a=2"])).toContain("given twice");
  });

  test("applies documented defaults and strips the trailing slash of the API URL", () => {
    expect(config([])).toEqual({
      apiUrl: "http://127.0.0.1:8080",
      mqttUrl: "mqtt://127.0.0.1:1883",
      grpcUrl: undefined,
      runtimeId: "runtime_abc",
      bootstrapToken: undefined,
      stateDir: "./edge-agent-state",
      statusIntervalMs: 10_000,
      keepaliveSeconds: 10,
      reconnectMinMs: 500,
      receiptTimeoutMs: 10_000,
      reconnectMaxMs: 30_000,
      policyWaitMs: 30_000,
      telemetryPort: undefined,
      logLevel: "info",
      updatePublicKey: undefined,
      updateChannel: "stable",
      updateCheckIntervalMs: 3_600_000,
      updateScriptTimeoutMs: 300_000,
      installDir: "edge-agent-state/install",
      agentTypes: {},
      labels: {},
      enrollToken: undefined,
      machineId: hostname(),
      capabilities: [],
      runtimeApi: undefined,
      templatesDir: "edge-agent-state/templates",
      appPortRange: { from: 20_000, to: 29_999 },
    });
  });

  test("--runtime-api takes [host:]port (loopback by default); --app-port-range from-to", () => {
    expect(config(["--runtime-api", "0"]).runtimeApi).toEqual({ host: "127.0.0.1", port: 0 });
    expect(config(["--runtime-api=0.0.0.0:8095"]).runtimeApi).toEqual({ host: "0.0.0.0", port: 8095 });
    expect(config(["--runtime-api", "[::1]:9000"]).runtimeApi).toEqual({ host: "::1", port: 9000 });
    expect(configError(["--runtime-api", "http://x"])).toContain("[host:]port");
    expect(configError(["--runtime-api", "99999"])).toContain("[host:]port");
    expect(config(["--app-port-range", "4000-4010"]).appPortRange).toEqual({ from: 4000, to: 4010 });
    expect(configError(["--app-port-range", "10-5"])).toContain("from-to");
  });

  test("flags win over env; both --flag value and --flag=value work", () => {
    const parsed = config(["--runtime-id", "from-flag", "--status-interval-ms=2500", "--log-level", "debug"], {
      ...REQUIRED_ENV,
      EDGE_STATUS_INTERVAL_MS: "999",
      EDGE_LOG_LEVEL: "silent",
      EDGE_BOOTSTRAP_TOKEN: "boot",
      EDGE_RECONNECT_MIN_MS: "100",
      EDGE_RECONNECT_MAX_MS: "200",
    });
    expect(parsed.runtimeId).toBe("from-flag");
    expect(parsed.statusIntervalMs).toBe(2500);
    expect(parsed.logLevel).toBe("debug");
    expect(parsed.bootstrapToken).toBe("boot");
    expect([parsed.reconnectMinMs, parsed.reconnectMaxMs]).toEqual([100, 200]);
  });

  test("empty env values count as unset", () => {
    expect(config([], { ...REQUIRED_ENV, EDGE_STATE_DIR: "", EDGE_TELEMETRY_PORT: "" }).stateDir).toBe(
      "./edge-agent-state",
    );
  });

  test("the gRPC session endpoint is optional host:port", () => {
    expect(config(["--grpc-url", "127.0.0.1:50051"]).grpcUrl).toBe("127.0.0.1:50051");
    expect(config([], { ...REQUIRED_ENV, EDGE_GRPC_URL: "cp.example.com:443" }).grpcUrl).toBe("cp.example.com:443");
    expect(config(["--grpc-url=[::1]:50051"]).grpcUrl).toBe("[::1]:50051");
    expect(config([], { ...REQUIRED_ENV, EDGE_GRPC_URL: "" }).grpcUrl).toBeUndefined();
    for (const bad of ["http://127.0.0.1:50051", "127.0.0.1", "127.0.0.1:0", "host:70000"]) {
      expect(configError(["--grpc-url", bad])).toContain("--grpc-url / EDGE_GRPC_URL must be host:port");
    }
  });

  test("update settings: pinned key, channel, intervals and install dir", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    const parsed = config(
      [
        "--update-public-key",
        key,
        "--update-channel",
        "beta",
        "--update-check-interval-ms",
        "0",
        "--install-dir",
        "/opt/x",
      ],
      {
        ...REQUIRED_ENV,
        EDGE_UPDATE_SCRIPT_TIMEOUT_MS: "1000",
      },
    );
    expect(parsed).toMatchObject({
      updatePublicKey: key,
      updateChannel: "beta",
      updateCheckIntervalMs: 0,
      updateScriptTimeoutMs: 1000,
      installDir: "/opt/x",
    });
    expect(config(["--state-dir", "/var/lib/edge"]).installDir).toBe("/var/lib/edge/install");
    expect(configError(["--update-public-key", "not-a-key"])).toContain(
      "--update-public-key / EDGE_UPDATE_PUBLIC_KEY must be a base64 ed25519 public key",
    );
    expect(configError(["--update-public-key", Buffer.alloc(16).toString("base64")])).toContain(
      "must be a base64 ed25519 public key",
    );
    expect(configError(["--update-channel", "a/b"])).toContain("--update-channel / EDGE_UPDATE_CHANNEL must be");
  });

  test("telemetry port 0 means ephemeral, not disabled", () => {
    expect(config(["--telemetry-port", "0"]).telemetryPort).toBe(0);
  });

  test("--help and --version short-circuit validation", () => {
    expect(parseConfig(["--help"], {})).toEqual({ action: "help" });
    expect(parseConfig(["-h"], {})).toEqual({ action: "help" });
    expect(parseConfig(["--version"], {})).toEqual({ action: "version" });
  });

  test("missing required settings name both flag and env var", () => {
    expect(configError([], {})).toBe("--api-url / EDGE_API_URL is required");
    expect(configError([], { ...REQUIRED_ENV, EDGE_RUNTIME_ID: undefined })).toContain(
      "--runtime-id / EDGE_RUNTIME_ID is required",
    );
  });

  test.each([
    [["--api-url", "not a url"], "must be a URL"],
    [["--api-url", "ftp://x"], "must use http, https"],
    [["--mqtt-url", "http://broker"], "must use mqtt"],
    [["--runtime-id", "a/b"], "must be 1-128 characters"],
    [["--runtime-id", "edge/#"], "must be 1-128 characters"],
    [["--status-interval-ms", "-5"], "must be an integer from 100"],
    [["--status-interval-ms", "1.5"], "must be an integer"],
    [["--keepalive-seconds", "ten"], "must be an integer"],
    [["--telemetry-port", "70000"], "from 0 to 65535"],
    [["--log-level", "verbose"], "must be one of silent, info, debug"],
    [["--reconnect-min-ms", "5000", "--reconnect-max-ms", "1000"], "must be >= --reconnect-min-ms"],
    [["--nope"], 'unknown argument "--nope"'],
    [["--state-dir"], "--state-dir needs a value"],
    [["--state-dir", "--log-level", "debug"], "--state-dir needs a value"],
  ])("rejects %j", (argv, message) => {
    expect(configError(argv)).toContain(message);
  });

  test("help lists every flag with its env var and default", () => {
    const help = helpText();
    for (const [flag, env] of [
      ["--api-url", "EDGE_API_URL"],
      ["--mqtt-url", "EDGE_MQTT_URL"],
      ["--grpc-url", "EDGE_GRPC_URL"],
      ["--runtime-id", "EDGE_RUNTIME_ID"],
      ["--bootstrap-token", "EDGE_BOOTSTRAP_TOKEN"],
      ["--state-dir", "EDGE_STATE_DIR"],
      ["--status-interval-ms", "EDGE_STATUS_INTERVAL_MS"],
      ["--keepalive-seconds", "EDGE_KEEPALIVE_SECONDS"],
      ["--reconnect-min-ms", "EDGE_RECONNECT_MIN_MS"],
      ["--reconnect-max-ms", "EDGE_RECONNECT_MAX_MS"],
      ["--policy-wait-ms", "EDGE_POLICY_WAIT_MS"],
      ["--telemetry-port", "EDGE_TELEMETRY_PORT"],
      ["--log-level", "EDGE_LOG_LEVEL"],
    ]) {
      expect(help).toMatch(new RegExp(`${flag} .*${env}`));
    }
    expect(help).toContain("(default 30000)");
  });
});

describe("jitteredBackoffMs", () => {
  const range = { minMs: 500, maxMs: 30_000 };

  test("first retry waits the minimum; the ceiling doubles and is capped", () => {
    expect(jitteredBackoffMs(range, 0, () => 1)).toBe(500);
    expect(jitteredBackoffMs(range, 3, () => 1)).toBe(4000);
    expect(jitteredBackoffMs(range, 3, () => 0)).toBe(500);
    expect(jitteredBackoffMs(range, 60, () => 1)).toBe(30_000);
  });

  test("random draws stay within [min, max]", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = jitteredBackoffMs(range, attempt);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(30_000);
    }
  });
});

describe("mqttOptionsFromUrl", () => {
  test("maps broker URLs to mqtt.js options", () => {
    expect(mqttOptionsFromUrl("mqtt://127.0.0.1:1883")).toEqual({ protocol: "mqtt", host: "127.0.0.1", port: 1883 });
    expect(mqttOptionsFromUrl("mqtts://broker.example.com")).toEqual({ protocol: "mqtts", host: "broker.example.com" });
    expect(mqttOptionsFromUrl("wss://[::1]:9001/mqtt?x=1")).toEqual({
      protocol: "wss",
      host: "::1",
      port: 9001,
      path: "/mqtt?x=1",
    });
  });
});
