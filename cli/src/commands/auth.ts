/** login (device flow or an API key), logout, whoami, and the contexts (`config ...`). */
import type { Api, Row } from "../client.ts";
import { saveConfig } from "../config.ts";
import { CliError, UsageError } from "../errors.ts";
import { info, out, printData, Progress, table } from "../output.ts";
import type { Verb } from "../verb.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

/**
 * The device flow: start, show the user code and the verification URL, poll every `interval` seconds until a
 * signed-in user approves it; a `429 slow_down` waits `retryAfterSeconds` before the next poll.
 */
async function deviceLogin(api: Api, clientName: string): Promise<Record<string, unknown>> {
  const start = (await api.request<Row>("POST", "/api/auth/device/start", { body: { clientName }, anonymous: true }))
    .body;
  info(`! First copy your one-time code: ${start.userCode}`);
  info(`  Then open ${start.verificationUriComplete}`);
  info(`  (or ${start.verificationUri} and enter the code) and approve this login.`);
  let interval = Number(start.interval) > 0 ? Number(start.interval) : 5;
  const deadline = Date.now() + (Number(start.expiresIn) > 0 ? Number(start.expiresIn) : 900) * 1000;
  const progress = new Progress().start("waiting for approval...");
  try {
    let wait = interval;
    for (;;) {
      await sleep(wait * 1000);
      if (Date.now() > deadline)
        throw new CliError("the code expired before it was approved: run `edgectl login` again");
      const reply = await api.request<Row>("POST", "/api/auth/device/poll", {
        body: { deviceCode: start.deviceCode },
        anonymous: true,
        allow: [400, 429],
      });
      const body = reply.body ?? {};
      if (reply.status === 429) {
        const retry = Number(body.retryAfterSeconds ?? reply.headers.get("retry-after"));
        wait = Number.isFinite(retry) && retry > 0 ? retry : interval + 5;
        continue;
      }
      if (reply.status === 400) {
        if (body.error === "access_denied") throw new CliError("login denied");
        if (body.error === "expired_token")
          throw new CliError("the code expired before it was approved: run `edgectl login` again");
        throw new CliError(`login failed: ${body.error ?? "HTTP 400"}`);
      }
      if (body.status === "authorized") return body;
      if (Number(body.interval) > 0) interval = Number(body.interval);
      wait = interval;
    }
  } finally {
    progress.stop();
  }
}

export const authVerbs: Verb[] = [
  {
    name: "login",
    summary: "Log in: the device flow (approve the code in a browser), or store an API key",
    description: `
Without --token, starts a device login: prints a one-time code and a URL; a signed-in user approves it there
(or with \`POST /api/auth/device/approve\`), and the tokens are stored in the context (config file mode 0600).
With --token (or --token - to read it from stdin, or EDGECTL_TOKEN), stores that API key / personal access token
for non-interactive use instead. --api-url and --context select where the login goes; that context becomes current.`,
    maxArgs: 0,
    flags: {
      "client-name": { type: "string", value: "NAME", description: "name shown to the approver (default edgectl)" },
    },
    async run(inv) {
      const session = inv.session();
      const api = inv.api();
      session.context.apiUrl = session.apiUrl;
      if (inv.flags["grpc-url"]) session.context.grpcUrl = inv.flags["grpc-url"] as string;
      if (session.tokenOverride) {
        const key = session.tokenOverride === "-" ? await readStdin() : session.tokenOverride;
        if (!key) throw new UsageError("--token: empty token");
        session.tokenOverride = key;
        const me = await api.get("/api/users/me");
        delete session.context.accessToken;
        delete session.context.refreshToken;
        delete session.context.accessTokenExpiresAt;
        delete session.context.refreshTokenExpiresAt;
        session.context.apiKey = key;
        session.context.userId = me.id;
        session.tokenOverride = undefined;
        session.config.currentContext = session.contextName;
        api.save();
        info(`Logged in to ${session.apiUrl} as ${me.name} with an API key (context "${session.contextName}")`);
        return 0;
      }
      const tokens = await deviceLogin(api, (inv.flags["client-name"] as string) || "edgectl");
      api.storeTokens(tokens);
      session.config.currentContext = session.contextName;
      api.save();
      const me = await api.get("/api/users/me");
      info(`Logged in to ${session.apiUrl} as ${me.name} (context "${session.contextName}")`);
      return 0;
    },
  },
  {
    name: "logout",
    summary: "Log out: revoke the session's refresh token and forget the context's credentials",
    maxArgs: 0,
    async run(inv) {
      const session = inv.session();
      const api = inv.api();
      const { context } = session;
      if (context.refreshToken) {
        await api
          .request("POST", "/api/auth/logout", { body: { refreshToken: context.refreshToken }, anonymous: true })
          .catch((error) => info(`warning: could not revoke the session: ${(error as Error).message}`));
      }
      const had = Boolean(context.refreshToken || context.accessToken || context.apiKey);
      for (const key of [
        "apiKey",
        "accessToken",
        "refreshToken",
        "accessTokenExpiresAt",
        "refreshTokenExpiresAt",
        "userId",
      ])
        delete (context as unknown as Record<string, unknown>)[key];
      if (session.config.contexts[session.contextName]) api.save();
      info(had ? `Logged out of ${session.apiUrl} (context "${session.contextName}")` : "Not logged in");
      return 0;
    },
  },
  {
    name: "whoami",
    summary: "Show who the current credential belongs to",
    maxArgs: 0,
    async run(inv) {
      const session = inv.session();
      const me = await inv.api().get("/api/users/me");
      if (inv.format === "json" || inv.format === "yaml") {
        printData({ ...me, apiUrl: session.apiUrl, context: session.contextName }, inv.format);
        return 0;
      }
      if (inv.format === "name") return void out(me.name);
      out(
        [
          `user:     ${me.name} (${me.id})`,
          `role:     ${me.role}${me.isSuperadmin ? ", installation admin" : ""}`,
          `tenant:   ${me.tenantId}`,
          `via:      ${me.via}`,
          `api:      ${session.apiUrl}`,
          `context:  ${session.contextName}`,
        ].join("\n"),
      );
      return 0;
    },
  },
  {
    name: "config get-contexts",
    summary: "List the contexts (* marks the current one)",
    maxArgs: 0,
    async run(inv) {
      const { config } = inv.session();
      const rows = Object.entries(config.contexts).map(([name, c]) => ({
        current: name === config.currentContext ? "*" : "",
        name,
        apiUrl: c.apiUrl,
        auth: c.apiKey ? "api key" : c.refreshToken ? "device login" : "none",
      }));
      if (inv.format === "json" || inv.format === "yaml") return void printData(rows, inv.format);
      out(
        table(rows, [
          { header: "CURRENT", value: (r) => r.current || " " },
          { header: "NAME", value: (r) => r.name },
          { header: "API URL", value: (r) => r.apiUrl },
          { header: "AUTH", value: (r) => r.auth },
        ]),
      );
      return 0;
    },
  },
  {
    name: "config current-context",
    summary: "Print the current context's name",
    maxArgs: 0,
    async run(inv) {
      out(inv.session().config.currentContext);
      return 0;
    },
  },
  {
    name: "config use-context",
    summary: "Make a context the current one",
    args: "NAME",
    minArgs: 1,
    maxArgs: 1,
    async run(inv) {
      const { config } = inv.session();
      const name = inv.args[0]!;
      if (!config.contexts[name]) throw new CliError(`no context "${name}"`);
      config.currentContext = name;
      saveConfig(config);
      info(`Switched to context "${name}"`);
      return 0;
    },
  },
  {
    name: "config set-context",
    summary: "Create or change a context (--api-url, --grpc-url)",
    args: "NAME",
    minArgs: 1,
    maxArgs: 1,
    async run(inv) {
      const { config } = inv.session();
      const name = inv.args[0]!;
      const context = config.contexts[name] ?? { apiUrl: "http://localhost:8080" };
      if (inv.flags["api-url"]) context.apiUrl = (inv.flags["api-url"] as string).replace(/\/$/, "");
      if (inv.flags["grpc-url"]) context.grpcUrl = inv.flags["grpc-url"] as string;
      config.contexts[name] = context;
      saveConfig(config);
      info(`Context "${name}" set (${context.apiUrl})`);
      return 0;
    },
  },
  {
    name: "config delete-context",
    summary: "Delete a context and its stored credentials (does not revoke them: use logout first)",
    args: "NAME",
    minArgs: 1,
    maxArgs: 1,
    async run(inv) {
      const { config } = inv.session();
      const name = inv.args[0]!;
      if (!config.contexts[name]) throw new CliError(`no context "${name}"`);
      delete config.contexts[name];
      saveConfig(config);
      info(`Deleted context "${name}"`);
      return 0;
    },
  },
];
