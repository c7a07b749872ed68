/**
 * The web console in a real browser: Debian's headless Chromium (/usr/bin/chromium, installed by .ci/run) driven by
 * playwright-core, against a started control plane with a real agent. It signs in with a password, sees the host
 * online, runs a command and reads its output, confirms a task's confirm stage and watches the task finish with its
 * logs, sees the notification appear under the bell, and finds the host with the search box (a prefix of its name).
 * Pages change live (GET /api/web/events): a second agent's machine appears online on the open hosts page and a
 * task's status and logs change on its open page without a reload, and quiet windows prove nothing polls. Every
 * other wait is on an element or a text (no sleeps). Screenshots of the main pages go to $CONSOLE_SCREENSHOTS (default: a temp dir);
 * `UPDATE_SCREENSHOTS=1` writes them to docs/screenshots/ for the README.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dir, "../../docs/screenshots")
  : (process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "console-shots-")));
const PASSWORD = "correct horse battery";
const available = existsSync(CHROMIUM);
if (!available) console.warn(`${CHROMIUM} missing (apt-get install chromium): the browser tests are skipped`);

describe.skipIf(!available)("web console in Chromium", () => {
  let t: TestPlane;
  let browser: Browser;
  let page: Page;
  let host: { id: string; name: string };
  let envId: string;
  /** API requests the page makes (method and path), recorded while `recording`. */
  const requests: string[] = [];
  let navigations = 0;
  const username = `ada-${crypto.randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    const [pglite] = await availableBackends();
    t = await startTestPlane(pglite!, { taskSchedulerTickMs: 200 });
    const user = await t.api.post(
      "/api/admin/developers",
      { name: username, password: PASSWORD, role: "admin" },
      t.adminKey,
    );
    expect(user.status).toBe(201);
    envId = await policedEnvironment(t, "console", { exec: { allowedCommands: ["echo", "sh"] } });
    // With a gRPC session: the terminal goes over it.
    const started = await agentFor(t, envId, "robot", {
      env: { EDGE_GRPC_URL: `127.0.0.1:${t.plane.transport.grpc.port}` },
    });
    host = started.host;
    started.agent.start();
    await hostOnline(t, host.id);
    await started.agent.waitForOutput(/gRPC session up/, 30_000);
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    page.setDefaultTimeout(20_000);
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith("/api/")) requests.push(`${r.method()} ${url.pathname}`);
    });
    page.on("framenavigated", () => navigations++);
  });
  afterAll(async () => {
    await browser?.close();
    await stopAllAgents();
    await t?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  afterEach(async () => {
    // The page as the last test left it (a failing test's state); not among the README's screenshots.
    if (page && !process.env.UPDATE_SCREENSHOTS)
      await page.screenshot({ path: join(SHOTS, "last.png") }).catch(() => {});
  });

  test("signs in with a password; a wrong one is refused", async () => {
    await page.goto(`${t.plane.url}/`);
    await page.fill("input[name=username]", username);
    await page.fill("input[name=password]", "wrong password here");
    await page.click("button[type=submit]");
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("invalid");
    await shot("sign-in");
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.locator("[data-testid=stat-online] .n", { hasText: "1" }).waitFor();
  });

  test("the hosts list shows the agent's host online", async () => {
    await page.click("nav >> text=Hosts");
    const row = page.locator(`[data-testid=host-row][data-host="${host.name}"]`);
    await row.locator("[data-testid=host-status]", { hasText: "online" }).waitFor();
    await shot("hosts");
  });

  /** The API requests made during `ms` of quiet (the live stream itself aside). */
  async function quietWindow(ms: number) {
    const from = requests.length;
    await page.waitForTimeout(ms);
    return requests.slice(from).filter((r) => r !== "GET /api/web/events");
  }

  test("a machine coming online appears on the open hosts page without a reload and without polling", async () => {
    // Nothing changes, nothing is fetched: no timer asks for the list.
    expect(await quietWindow(3000)).toEqual([]);
    const from = requests.length;
    const navigated = navigations;
    const second = await agentFor(t, envId, "arm");
    second.agent.start();
    const row = page.locator(`[data-testid=host-row][data-host="${second.host.name}"]`);
    await row.locator("[data-testid=host-status]", { hasText: "online" }).waitFor();
    expect(navigations).toBe(navigated);
    // The list was fetched because something changed (a few events), not every second or so.
    const fetched = requests.slice(from).filter((r) => r === "GET /api/v1/hosts").length;
    expect(fetched).toBeGreaterThanOrEqual(1);
    expect(fetched).toBeLessThanOrEqual(6);
    await shot("hosts-live");
  });

  test("runs a command on the host and shows its output", async () => {
    await page.click(`text=${host.name}`);
    await page.locator("[data-testid=host-page-status]", { hasText: "online" }).waitFor();
    await page.fill("[data-testid=command-line]", "echo hello-from-the-console");
    await page.click("button:text-is('Run')");
    await page.locator("[data-testid=command-output]", { hasText: "hello-from-the-console" }).waitFor();
    await page.locator("[data-testid=command-status]", { hasText: "completed" }).first().waitFor();
    await shot("host");
  });

  test("a terminal on the host page (xterm.js over the pty websocket): type a command, read its output", async () => {
    await page.click("[data-testid=terminal-open]");
    await page.locator("[data-testid=terminal-state]", { hasText: "open" }).waitFor();
    await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await page.keyboard.type("echo $((6*7))-from-xterm\n");
    await page.locator("[data-testid=terminal] .xterm-rows", { hasText: "42-from-xterm" }).waitFor();
    await shot("terminal");
    await page.keyboard.type("exit 4\n");
    await page.locator("[data-testid=terminal] .xterm-rows", { hasText: "[exited with 4]" }).waitFor();
    await page.locator("[data-testid=terminal-state]", { hasText: "closed" }).waitFor();
  });

  test("a task's confirm stage is confirmed from its page; the notification appears; logs stream", async () => {
    const projectKey = `ship${crypto.randomUUID().slice(0, 6)}`;
    const project = await t.api.post(
      "/api/admin/projects",
      {
        key: projectKey,
        name: "Ship it",
        pipeline: [
          {
            name: "build",
            kind: "command",
            command: { kind: "exec", params: { command: "sh", args: ["-c", "echo building {{task.prompt}}"] } },
          },
          { name: "approve", kind: "confirm", prompt: "Ship {{stages.build.result}}?", options: ["ship", "abort"] },
          {
            name: "deploy",
            kind: "command",
            command: { kind: "exec", params: { command: "echo", args: ["deployed", "{{stages.approve.result}}"] } },
          },
        ],
      },
      t.adminKey,
    );
    expect(project.status).toBe(201);

    // Created from the tasks page, like an operator would.
    await page.click("nav >> text=Tasks");
    await page.locator("select").selectOption(projectKey);
    await page.fill("input[placeholder=description]", "release 42");
    await page.click("button:text-is('New task')");
    await page.locator("[data-testid=confirm]", { hasText: "Stage approve awaits confirmation" }).waitFor();
    await page.locator("[data-testid=task-status]", { hasText: "suspended" }).waitFor();
    expect(await page.textContent("[data-testid=confirm-prompt]")).toBe("Ship building release 42?");
    // While it waits, the page asks for nothing (the first stage's log line came with the page or its stream).
    expect(await page.locator("[data-testid=task-logs]").textContent()).toContain("building release 42");
    expect(await quietWindow(2500)).toEqual([]);
    const navigated = navigations;

    // The bell counts it; the panel lists it.
    await page.locator("[data-testid=unread-count]").waitFor();
    await page.click("[data-testid=bell]");
    await page
      .locator('[data-testid=notification][data-kind="task.awaiting_confirmation"]', { hasText: "release 42" })
      .waitFor();
    await shot("notifications");
    await page.click("[data-testid=bell]");
    await shot("task-confirm");

    await page.click("[data-testid=confirm-option] >> text=ship");
    await page.locator("[data-testid=task-status]", { hasText: "completed" }).waitFor();
    await page.locator("[data-testid=task-logs]", { hasText: "deployed ship" }).waitFor();
    expect(await page.locator("[data-testid=task-logs]").textContent()).toContain("building release 42");
    await page.locator("[data-testid=task-events]", { hasText: "approve confirmed" }).waitFor();
    // Status, logs and events changed on the open page: no reload; the deploy stage's line came over the stream.
    expect(navigations).toBe(navigated);
    expect(Number(await page.locator("[data-testid=task-logs]").getAttribute("data-live-lines"))).toBeGreaterThan(0);
    await shot("task");
  });

  test("a terminal in the task's workspace from the task page (the task path: token in the database)", async () => {
    await page.click("[data-testid=terminal-open]");
    await page.locator("[data-testid=terminal-state]", { hasText: "open" }).waitFor();
    await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await page.keyboard.type('echo "in-$(basename $(dirname $(pwd)))-$((6*7))"\n');
    await page.locator("[data-testid=terminal] .xterm-rows", { hasText: "in-workspaces-42" }).waitFor();
    await page.keyboard.type("exit 6\n");
    await page.locator("[data-testid=terminal] .xterm-rows", { hasText: "[exited with 6]" }).waitFor();
    // The transcript joins the task's logs.
    await page.locator("[data-testid=task-logs]", { hasText: "in-workspaces-42" }).waitFor();
  });

  test("approves a CLI's device login by its user code", async () => {
    const started = await t.api.post("/api/auth/device/start", {});
    expect(started.status).toBe(200);
    await page.goto(`${t.plane.url}/console#/device?user_code=${started.body.userCode}`);
    expect(await page.inputValue("[data-testid=user-code]")).toBe(started.body.userCode);
    await page.click("button:text-is('Approve')");
    await page.locator("[data-testid=device-approved]").waitFor();
    await shot("device");
    // The CLI's next poll gets tokens of the signed-in user.
    const polled = await t.api.post("/api/auth/device/poll", { deviceCode: started.body.deviceCode });
    expect(polled.body.status).toBe("authorized");
    const me = await t.api.get("/api/users/me", polled.body.accessToken);
    expect(me.body.username ?? me.body.name).toBe(username);
  });

  test("the fleets page lists the tenant's fleets", async () => {
    const name = `arms-${crypto.randomUUID().slice(0, 6)}`;
    const fleet = await t.api.post("/api/v1/fleets", { name, selector: { matchLabels: { role: "arm" } } }, t.adminKey);
    expect(fleet.status).toBe(201);
    await page.click("nav >> text=Fleets");
    await page.locator("td", { hasText: name }).waitFor();
    expect(await page.locator("tr", { hasText: name }).textContent()).toContain('"role":"arm"');
  });

  test("the search box finds the host by a prefix of its name; the dashboard shows the activity", async () => {
    await page.fill("[data-testid=search]", host.name.slice(0, 4));
    await page.press("[data-testid=search]", "Enter");
    await page.locator("[data-testid=search-results] a", { hasText: host.name }).waitFor();
    await shot("search");
    await page.click("nav >> text=Dashboard");
    await page.locator("td", { hasText: "Task completed: release 42" }).first().waitFor();
    await shot("dashboard");
  });
});
