/** agent install: prints what installs an edge agent on a machine (environment file, systemd unit, enroll command). */
import { info, out } from "../output.ts";
import type { Verb } from "../verb.ts";

const shellQuote = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

export const agentVerbs: Verb[] = [
  {
    name: "agent install",
    summary: "Print a systemd unit and the enroll command for a new machine (creates a worker token)",
    maxArgs: 0,
    description: `
Creates a one-time worker enrollment token (tenant admins; or pass --enroll-token) and prints, ready to paste on
the machine: the environment file, the systemd unit, and the commands that enroll and start the agent. The agent
binary comes from \`npm run build:agents\` (dist/edge-agent-linux-x64 or -arm64).`,
    flags: {
      "machine-id": { type: "string", value: "ID", description: "the machine's stable id (default: its hostname)" },
      "mqtt-url": {
        type: "string",
        value: "URL",
        description: "broker the agent connects to (default mqtt://<API host>:1883)",
      },
      "enroll-token": {
        type: "string",
        value: "wkt_...",
        description: "use this worker token instead of creating one",
      },
      capabilities: { type: "string", value: "a,b", description: "capabilities the machine reports" },
      binary: {
        type: "string",
        value: "PATH",
        description: "where the agent binary is installed (default /usr/local/bin/edge-agent)",
      },
      "with-grpc": {
        type: "boolean",
        description: "open a gRPC session too (EDGE_GRPC_URL from --grpc-url / the context)",
      },
    },
    async run(inv) {
      const session = inv.session();
      const api = inv.api();
      const apiUrl = session.apiUrl;
      const mqttUrl = (inv.flags["mqtt-url"] as string) || `mqtt://${new URL(apiUrl).hostname}:1883`;
      const machineId = inv.flags["machine-id"] as string | undefined;
      let token = inv.flags["enroll-token"] as string | undefined;
      if (!token) {
        const created = await api.post("/api/admin/worker-tokens", { name: machineId ?? "edgectl agent install" });
        token = created.token as string;
        info(`created worker token ${created.id} (one use; shown once below)`);
      }
      const binary = (inv.flags.binary as string) || "/usr/local/bin/edge-agent";
      const env: [string, string][] = [
        ["EDGE_API_URL", apiUrl],
        ["EDGE_MQTT_URL", mqttUrl],
        ["EDGE_ENROLL_TOKEN", token],
        ["EDGE_STATE_DIR", "/var/lib/edge-agent"],
      ];
      if (machineId) env.push(["EDGE_MACHINE_ID", machineId]);
      if (inv.flags.capabilities) env.push(["EDGE_CAPABILITIES", inv.flags.capabilities as string]);
      if (inv.flags["with-grpc"]) env.push(["EDGE_GRPC_URL", session.grpcUrl]);
      const enroll = [
        binary,
        "--api-url",
        apiUrl,
        "--mqtt-url",
        mqttUrl,
        "--enroll-token",
        token,
        ...(machineId ? ["--machine-id", machineId] : []),
        "--state-dir",
        "/var/lib/edge-agent",
      ]
        .map(shellQuote)
        .join(" ");
      out(`# 1. Install the agent binary (npm run build:agents → dist/edge-agent-linux-x64 or -arm64):
#      sudo install -m 0755 edge-agent-linux-x64 ${binary}

# 2. /etc/edge-agent/env (mode 0600: it holds the one-time enroll token)
${env.map(([k, v]) => `${k}=${v}`).join("\n")}

# 3. /etc/systemd/system/edge-agent.service
[Unit]
Description=Edge agent
Wants=network-online.target
After=network-online.target

[Service]
EnvironmentFile=/etc/edge-agent/env
ExecStart=${binary}
Restart=on-failure
RestartSec=5
# exit code 3: identity revoked (decommissioned): do not restart
RestartPreventExitStatus=3
StateDirectory=edge-agent
KillMode=mixed

[Install]
WantedBy=multi-user.target

# 4. Enroll and start (the first start enrolls with the token, then keeps its identity in /var/lib/edge-agent):
#      sudo systemctl daemon-reload && sudo systemctl enable --now edge-agent
#    or, by hand, once:
#      ${enroll}`);
      return 0;
    },
  },
];
