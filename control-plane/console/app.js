// The web console: plain ES modules (preact + htm served by the control plane), hash routing, and only the public
// API any client could call (sign-in, refresh, /api/v1/*, /api/web/*). Nothing polls: views load once and reload
// when the live stream (GET /api/web/events, Server-Sent Events read with fetch) says what they show has changed.
import { h, render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import htm from "htm";
import { Terminal } from "@xterm/xterm";

const html = htm.bind(h);
const TERMINAL = ["completed", "failed", "cancelled", "expired"];

// ---- API client: bearer tokens in localStorage; a 401 refreshes the pair once and retries. ----
const store = {
  get: () => JSON.parse(localStorage.getItem("edge.session") || "null"),
  set: (s) => (s ? localStorage.setItem("edge.session", JSON.stringify(s)) : localStorage.removeItem("edge.session")),
};
let onSignedOut = () => {};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function call(method, path, body, token) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

let refreshing;
/** Rotates the token pair once (concurrent callers share the call); false: signed out. */
async function refreshSession() {
  const session = store.get();
  if (!session?.refreshToken) return false;
  refreshing ??= call("POST", "/api/auth/refresh", { refreshToken: session.refreshToken }).finally(() => {
    refreshing = undefined;
  });
  const refreshed = await refreshing;
  if (refreshed.status === 200) {
    store.set({ ...store.get(), ...refreshed.body });
    return true;
  }
  store.set(null);
  onSignedOut();
  return false;
}

async function api(method, path, body) {
  const session = store.get();
  let res = await call(method, path, body, session?.accessToken);
  if (res.status === 401 && session?.refreshToken && (await refreshSession()))
    res = await call(method, path, body, store.get()?.accessToken);
  if (res.status >= 400) throw new ApiError(res.status, res.body);
  return res.body;
}

// ---- Live updates: one Server-Sent Events stream, read with fetch (it carries the bearer token, EventSource
// cannot). Events: ready, machine, task, log (the followed task), command (the followed host), notification, resync,
// bye. A lost stream reconnects with backoff; every (re)connection says "ready" and the views reload. ----
const live = (() => {
  const listeners = new Set();
  let follow = {};
  let current;
  let running = false;
  let retry = 0;
  let timer;
  const emit = (event, data) => {
    for (const listener of listeners) listener(event, data);
  };
  const again = (mine, delay) => {
    if (mine !== current || !running) return;
    clearTimeout(timer);
    timer = setTimeout(connect, delay ?? Math.min(30_000, 500 * 2 ** retry++));
  };
  async function connect() {
    current?.abort();
    const mine = new AbortController();
    current = mine;
    const query = new URLSearchParams();
    if (follow.task) query.set("task", follow.task);
    if (follow.host) query.set("host", follow.host);
    let res;
    try {
      res = await fetch(`/api/web/events${query.size ? `?${query}` : ""}`, {
        headers: { authorization: `Bearer ${store.get()?.accessToken}` },
        signal: mine.signal,
      });
    } catch {
      return again(mine);
    }
    if (res.status === 401) return (await refreshSession()) ? again(mine, 0) : undefined;
    if (res.status !== 200) return again(mine);
    retry = 0;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let quiet;
    // No heartbeat for three periods: the stream is dead (a proxy, a sleeping laptop); start over.
    const alive = (ms) => {
      clearTimeout(quiet);
      quiet = setTimeout(() => mine.abort(), ms);
    };
    let heartbeatMs = 15_000;
    alive(heartbeatMs * 3);
    let bye;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf("\n\n");
          alive(heartbeatMs * 3);
          if (block.startsWith(":")) continue;
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "{}");
          if (event === "ready") heartbeatMs = data.heartbeatMs ?? heartbeatMs;
          if (event === "bye") bye = data.reason;
          else emit(event, data);
        }
      }
    } catch {}
    clearTimeout(quiet);
    // Ended by the server because the credential expired or was revoked: a fresh pair (or sign-out) first.
    if (bye && bye !== "server shutting down" && mine === current && running && !(await refreshSession())) return;
    again(mine, bye ? 0 : undefined);
  }
  return {
    start() {
      if (running) return;
      running = true;
      void connect();
    },
    stop() {
      running = false;
      clearTimeout(timer);
      current?.abort();
    },
    /** The task whose output lines and the host whose commands the stream carries (reconnects when it changes). */
    follow(next) {
      if (next.task === follow.task && next.host === follow.host) return;
      follow = next;
      if (running) void connect();
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
})();

// ---- Hooks ----
function useRoute() {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const on = () => setHash(location.hash || "#/");
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const [path, query = ""] = hash.slice(1).split("?");
  return { parts: path.split("/").filter(Boolean), query: new URLSearchParams(query) };
}

/**
 * Loads `fn()` once, then again whenever a live event matches `changed(event, data)` (and after every (re)connection
 * of the stream, which may have missed some). Loads never overlap: events during one ask for one more after it.
 */
function useLive(fn, deps, changed = () => false) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  const match = useRef(changed);
  match.current = changed;
  const load = useCallback(async () => {
    try {
      const data = await fn();
      setState({ data, error: undefined });
    } catch (error) {
      setState((s) => ({ data: s.data, error }));
    }
  }, deps);
  useEffect(() => {
    let busy = false;
    let again = false;
    let stopped = false;
    const run = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      do {
        again = false;
        await load();
      } while (again && !stopped);
      busy = false;
    };
    void run();
    const off = live.on((event, data) => {
      if (event === "ready" || event === "resync" || match.current(event, data)) void run();
    });
    return () => {
      stopped = true;
      off();
    };
  }, [load]);
  return { ...state, reload: load };
}

/** While mounted, the live stream carries this task's output lines / this host's commands. */
function useFollow(next, deps) {
  useEffect(() => {
    live.follow(next);
    return () => live.follow({});
  }, deps);
}

/** Calls `fn(event, data)` for every live event while mounted. */
function useLiveEvent(fn, deps) {
  useEffect(() => live.on(fn), deps);
}

// ---- Small pieces ----
const Badge = ({ status, testid }) => html`<span class="badge ${status}" data-testid=${testid}>${status}</span>`;
const when = (t) => (t ? new Date(t).toLocaleString() : "—");
/** An event handler that prevents the default action, then calls `fn`. */
const prevented = (fn) => (e) => {
  e.preventDefault();
  return fn();
};
const ErrorLine = ({ error }) => (error ? html`<p class="error" role="alert">${error.message}</p>` : null);

function Sparkline({ values }) {
  if (values.length < 2) return html`<span class="muted">—</span>`;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pts = values.map(
    (v, i) => `${(i / (values.length - 1)) * 100},${20 - ((v - min) / (max - min || 1)) * 18 - 1}`,
  );
  return html`<svg class="spark" width="100" height="20" viewBox="0 0 100 20"><polyline fill="none" stroke="#2456d3" stroke-width="1.5" points=${pts.join(" ")} /></svg>`;
}

// ---- Sign-in ----
function Login({ onSignedIn }) {
  const [form, setForm] = useState({ username: "", password: "", totpCode: "" });
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState();
  const submit = async (e) => {
    e.preventDefault();
    setError(undefined);
    const body = { username: form.username, password: form.password };
    if (needTotp) body.totpCode = form.totpCode;
    const res = await call("POST", "/api/auth/login", body);
    if (res.status === 200) {
      store.set(res.body);
      onSignedIn();
    } else if (res.body?.totpRequired) {
      setNeedTotp(true);
      setError(new Error("enter the code of your authenticator app"));
    } else setError(new ApiError(res.status, res.body));
  };
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  return html`<form class="login" onSubmit=${submit} data-testid="login-form">
    <h1>Edge console</h1>
    <input name="username" placeholder="user name" autocomplete="username" value=${form.username} onInput=${field("username")} required />
    <input name="password" type="password" placeholder="password" autocomplete="current-password" value=${form.password} onInput=${field("password")} required />
    ${needTotp && html`<input name="totpCode" placeholder="123456" inputmode="numeric" value=${form.totpCode} onInput=${field("totpCode")} />`}
    <button type="submit">Sign in</button>
    <${ErrorLine} error=${error} />
  </form>`;
}

// ---- Header: navigation, search, notifications ----
function Notifications() {
  const [open, setOpen] = useState(false);
  const { data, reload } = useLive(
    () => api("GET", "/api/web/notifications?limit=20"),
    [],
    (event) => event === "notification",
  );
  const read = async (n) => {
    if (!n.read) await api("POST", `/api/web/notifications/${n.id}/read`);
    await reload();
    setOpen(false);
    location.hash = n.taskId ? `#/tasks/${n.taskId}` : n.hostId ? `#/hosts/${n.hostId}` : "#/";
  };
  const readAll = async () => {
    await api("POST", "/api/web/notifications/read-all");
    await reload();
  };
  const unread = data?.unreadCount ?? 0;
  return html`<span>
    <button class="bell" aria-label="notifications" data-testid="bell" onClick=${() => setOpen(!open)}>
      <svg width="18" height="18" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg>${unread > 0 && html`<span class="count" data-testid="unread-count">${unread}</span>`}
    </button>
    ${
      open &&
      html`<div class="panel" data-testid="notifications">
      <div class="head"><strong>Notifications</strong><a href="#" onClick=${prevented(() => readAll())}>mark all read</a></div>
      ${(data?.items ?? []).map(
        (n) => html`<div class="item ${n.read ? "" : "unread"}" data-testid="notification" data-kind=${n.kind}>
          <a href="#" onClick=${prevented(() => read(n))}>${n.title}</a>
          <div class="muted">${n.body} · ${when(n.createdAt)}</div>
        </div>`,
      )}
      ${data?.items?.length === 0 && html`<div class="item muted">nothing yet</div>`}
    </div>`
    }
  </span>`;
}

function Header({ signOut }) {
  const [q, setQ] = useState("");
  const search = (e) => {
    e.preventDefault();
    if (q.trim()) location.hash = `#/search?q=${encodeURIComponent(q.trim())}`;
  };
  return html`<header>
    <a class="brand" href="#/">Edge</a>
    <nav>
      <a href="#/">Dashboard</a><a href="#/hosts">Hosts</a><a href="#/tasks">Tasks</a><a href="#/fleets">Fleets</a>
      <a href="#/device">Approve device</a>
    </nav>
    <form onSubmit=${search}><input type="search" placeholder="Search hosts, tasks, projects" aria-label="search" data-testid="search" value=${q} onInput=${(e) => setQ(e.target.value)} /></form>
    <${Notifications} />
    <a href="#" onClick=${prevented(() => signOut())}>Sign out</a>
  </header>`;
}

// ---- Pages ----
function Dashboard() {
  const stats = useLive(
    () => api("GET", "/api/web/dashboard/stats"),
    [],
    (event) => event === "task" || event === "machine" || event === "notification",
  );
  const recent = useLive(
    () => api("GET", "/api/web/dashboard/recent-tasks?limit=8"),
    [],
    (event) => event === "task",
  );
  const activity = useLive(
    () => api("GET", "/api/web/dashboard/recent-activity?limit=8"),
    [],
    (event) => event === "notification",
  );
  const s = stats.data;
  const card = (n, label, testid) =>
    html`<div class="card" data-testid=${testid}><div class="n">${n ?? "…"}</div><div class="l">${label}</div></div>`;
  return html`<h1>Dashboard</h1>
    <${ErrorLine} error=${stats.error} />
    <div class="cards">
      ${card(s?.machines.online, "machines online", "stat-online")} ${card(s?.machines.total, "machines")}
      ${card(s?.tasks.active, "active tasks")} ${card(s?.tasks.awaitingConfirmation, "awaiting confirmation")}
      ${card(s?.tasks.pending, "queued tasks")} ${card(s?.notifications.unread, "unread notifications")}
    </div>
    <h2>Recent tasks</h2>
    <${TaskTable} items=${recent.data?.items ?? []} />
    <h2>Recent activity</h2>
    <table><tbody>
      ${(activity.data?.items ?? []).map((n) => html`<tr><td>${when(n.createdAt)}</td><td>${n.title}</td><td class="muted">${n.body}</td></tr>`)}
    </tbody></table>`;
}

function Hosts() {
  const { data, error } = useLive(
    () => api("GET", "/api/v1/hosts"),
    [],
    (event) => event === "machine",
  );
  return html`<h1>Hosts</h1><${ErrorLine} error=${error} />
    <table data-testid="hosts"><thead><tr><th>Name</th><th>Status</th><th>Agent</th><th>Labels</th><th>Last seen</th></tr></thead><tbody>
    ${(Array.isArray(data) ? data : (data?.items ?? [])).map(
      (host) => html`<tr data-testid="host-row" data-host=${host.name}>
        <td><a href="#/hosts/${host.id}">${host.name}</a></td>
        <td><${Badge} status=${host.status} testid="host-status" /></td>
        <td>${host.agentVersion ?? "—"}</td>
        <td>${Object.entries(host.labels ?? {}).map(([k, v]) => html`<span class="badge">${k}=${v}</span> `)}</td>
        <td>${when(host.lastSeenAt)}</td></tr>`,
    )}
    </tbody></table>`;
}

/**
 * A terminal on the host, or in a task's workspace on its machine (xterm.js): a pty-token (`tokenPath`), then the
 * websocket it names; keys go out as binary frames, output comes back as binary frames, resizes follow the
 * terminal's size.
 */
function HostTerminal({ id, tokenPath = `/api/v1/hosts/${id}/pty-token`, onClosed = () => {} }) {
  const box = useRef();
  const [state, setState] = useState("closed");
  const [error, setError] = useState();
  const live = useRef();
  const stop = () => live.current?.close();
  useEffect(() => stop, [id]);
  const open = async () => {
    setError(undefined);
    setState("connecting");
    let grant;
    try {
      grant = await api("POST", tokenPath);
    } catch (err) {
      setState("closed");
      return setError(err);
    }
    box.current.replaceChildren();
    const term = new Terminal({ cols: 100, rows: 24, convertEol: false, fontSize: 13 });
    term.open(box.current);
    const url = new URL(grant.websocket, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const encoder = new TextEncoder();
    ws.onopen = () =>
      ws.send(
        JSON.stringify({
          type: "auth",
          token: store.get()?.accessToken,
          channelToken: grant.channelToken,
          cols: term.cols,
          rows: term.rows,
        }),
      );
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return term.write(new Uint8Array(event.data));
      const msg = JSON.parse(event.data);
      if (msg.type === "ready") {
        setState("open");
        term.focus();
      } else if (msg.type === "exit") {
        term.write(`\r\n[exited with ${msg.code}${msg.error ? `: ${msg.error}` : ""}]\r\n`);
      } else if (msg.type === "error") setError(new Error(msg.error));
    };
    ws.onclose = () => {
      setState("closed");
      onClosed();
    };
    const typed = term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(data)));
    const resized = term.onResize(
      ({ cols, rows }) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: "resize", cols, rows })),
    );
    live.current = {
      close: () => {
        typed.dispose();
        resized.dispose();
        ws.close();
      },
    };
  };
  return html`<h2>Terminal</h2>
    <${ErrorLine} error=${error} />
    <p>${
      state === "closed"
        ? html`<button data-testid="terminal-open" onClick=${open}>Open terminal</button>`
        : html`<button class="secondary" data-testid="terminal-close" onClick=${stop}>Close terminal</button>`
    } <span class="muted" data-testid="terminal-state">${state}</span></p>
    <div class="terminal" data-testid="terminal" ref=${box}></div>`;
}

function Host({ id }) {
  useFollow({ host: id }, [id]);
  const host = useLive(
    () => api("GET", `/api/v1/hosts/${id}`),
    [id],
    (event, data) => event === "machine" && data.hostId === id,
  );
  // Telemetry is not streamed: loaded with the page, again on a change of the host or by "refresh".
  const telemetry = useLive(
    () => api("GET", `/api/v1/hosts/${id}/telemetry?limit=200`),
    [id],
    (event, data) => event === "machine" && data.hostId === id,
  );
  const commands = useLive(
    () => api("GET", `/api/v1/commands?hostId=${encodeURIComponent(id)}&limit=20`),
    [id],
    (event, data) => event === "command" && data.hostId === id,
  );
  const [line, setLine] = useState("");
  const [error, setError] = useState();
  const run = async (e) => {
    e.preventDefault();
    setError(undefined);
    const [command, ...args] = line.trim().split(/\s+/);
    if (!command) return;
    try {
      await api("POST", "/api/v1/commands", { hostId: id, kind: "exec", params: { command, args } });
      setLine("");
      await commands.reload();
    } catch (err) {
      setError(err);
    }
  };
  const machine = async (verb) => {
    try {
      await api("POST", `/api/web/machines/${id}/${verb}`);
      await host.reload();
    } catch (err) {
      setError(err);
    }
  };
  const h0 = host.data;
  const series = {};
  for (const p of [...(telemetry.data?.items ?? [])].reverse()) {
    series[p.name] ??= [];
    series[p.name].push(p.value);
  }
  return html`<h1>${h0?.name ?? id} ${h0 && html`<${Badge} status=${h0.status} testid="host-page-status" />`}</h1>
    <${ErrorLine} error=${host.error || error} />
    ${
      h0 &&
      html`<p class="muted">id ${h0.id} · agent ${h0.agentVersion ?? "—"} · last seen ${when(h0.lastSeenAt)} ·
      ${h0.draining ? "draining" : "accepting tasks"}
      <button class="secondary" onClick=${() => machine(h0.draining ? "undrain" : "drain")}>${h0.draining ? "Undrain" : "Drain"}</button></p>`
    }
    <h2>Telemetry <a href="#" class="muted" onClick=${prevented(() => telemetry.reload())}>refresh</a></h2>
    <table><tbody>
      ${Object.entries(series).map(([name, values]) => html`<tr><td>${name}</td><td><${Sparkline} values=${values.slice(-50)} /></td><td>${values[values.length - 1]}</td></tr>`)}
      ${Object.keys(series).length === 0 && html`<tr><td class="muted">no telemetry</td></tr>`}
    </tbody></table>
    <${HostTerminal} id=${id} />
    <h2>Run a command</h2>
    <form class="inline" onSubmit=${run}>
      <input data-testid="command-line" placeholder="echo hello" size="50" value=${line} onInput=${(e) => setLine(e.target.value)} />
      <button type="submit">Run</button>
    </form>
    <h2>Commands</h2>
    <table data-testid="commands"><thead><tr><th>Created</th><th>Kind</th><th>Command</th><th>Status</th><th>Output</th></tr></thead><tbody>
      ${(commands.data?.items ?? []).map(
        (c) => html`<tr data-testid="command-row">
          <td>${when(c.createdAt)}</td><td>${c.kind}</td>
          <td><code>${c.kind === "exec" ? [c.params.command, ...(c.params.args ?? [])].join(" ") : JSON.stringify(c.params)}</code></td>
          <td><${Badge} status=${c.status} testid="command-status" /></td>
          <td><pre class="log" data-testid="command-output">${c.result?.stdout ?? ""}${c.result?.stderr ?? ""}${c.error ?? ""}</pre></td></tr>`,
      )}
    </tbody></table>`;
}

function TaskTable({ items }) {
  return html`<table data-testid="tasks"><thead><tr><th>Task</th><th>Status</th><th>Stage</th><th>Machine</th><th>Created</th></tr></thead><tbody>
    ${items.map(
      (t) => html`<tr data-testid="task-row">
        <td><a href="#/tasks/${t.id}">${t.prompt}</a></td><td><${Badge} status=${t.status} /></td>
        <td>${t.currentStage ? `${t.currentStage.name} (${t.currentStage.kind})` : "—"}</td>
        <td>${t.machineId ? html`<a href="#/hosts/${t.machineId}">${t.machineId}</a>` : "—"}</td><td>${when(t.createdAt)}</td></tr>`,
    )}
  </tbody></table>`;
}

function Tasks({ query }) {
  const status = query.get("status") ?? "";
  const { data, error } = useLive(
    () => api("GET", `/api/web/tasks?limit=50${status ? `&status=${status}` : ""}`),
    [status],
    (event) => event === "task",
  );
  const projects = useLive(() => api("GET", "/api/web/projects"), []);
  const [form, setForm] = useState({ projectKey: "", description: "" });
  const [createError, setCreateError] = useState();
  const create = async (e) => {
    e.preventDefault();
    setCreateError(undefined);
    try {
      const task = await api("POST", "/api/web/tasks", {
        projectKey: form.projectKey || projects.data?.items?.[0]?.key,
        description: form.description,
      });
      location.hash = `#/tasks/${task.id}`;
    } catch (err) {
      setCreateError(err);
    }
  };
  const projectItems = projects.data?.items ?? (Array.isArray(projects.data) ? projects.data : []);
  return html`<h1>Tasks</h1><${ErrorLine} error=${error} />
    <form class="inline" onSubmit=${create}>
      <select value=${form.projectKey} onChange=${(e) => setForm({ ...form, projectKey: e.target.value })}>
        ${projectItems.map((p) => html`<option value=${p.key}>${p.key}</option>`)}
      </select>
      <input placeholder="description" size="40" required value=${form.description} onInput=${(e) => setForm({ ...form, description: e.target.value })} />
      <button type="submit">New task</button>
      <${ErrorLine} error=${createError} />
    </form>
    <p>${["", "pending", "running", "suspended", "completed", "failed"].map(
      (s) =>
        html`<a href="#/tasks${s ? `?status=${s}` : ""}" style=${s === status ? "font-weight:600" : ""}>${s || "all"}</a> · `,
    )}</p>
    <${TaskTable} items=${data?.items ?? []} />`;
}

function Task({ id }) {
  useFollow({ task: id }, [id]);
  const mine = (event, data) => event === "task" && data.taskId === id;
  const task = useLive(() => api("GET", `/api/web/tasks/${id}`), [id], mine);
  const events = useLive(() => api("GET", `/api/web/tasks/${id}/events?limit=200`), [id], mine);
  // Stored lines when the page opens, at each status change and after a reconnection; between them each line as the
  // stream brings it.
  const logs = useLive(() => api("GET", `/api/web/tasks/${id}/logs?limit=1000`), [id], mine);
  const [streamed, setStreamed] = useState([]);
  /** Lines the stream has brought since the page opened (shown as data-live-lines). */
  const [liveLines, setLiveLines] = useState(0);
  useEffect(() => setStreamed([]), [logs.data]);
  useLiveEvent(
    (event, data) => {
      if (event !== "log" || data.taskId !== id) return;
      setStreamed((lines) => [...lines, data]);
      setLiveLines((n) => n + 1);
    },
    [id],
  );
  const t = task.data;
  const [pending, setPending] = useState();
  const [answer, setAnswer] = useState("");
  const [error, setError] = useState();
  useEffect(() => {
    if (t?.status === "suspended")
      api("GET", `/api/web/tasks/${id}/pending-confirm`).then(setPending, () => setPending(undefined));
    else setPending(undefined);
  }, [t?.status, t?.stageIndex]);
  const act = async (fn) => {
    setError(undefined);
    try {
      await fn();
      await task.reload();
    } catch (err) {
      setError(err);
    }
  };
  const confirm = (result) =>
    act(() => api("POST", `/api/web/tasks/${id}/confirm-stage`, { stageIndex: pending.stageIndex, result }));
  return html`<h1>Task ${t && html`<${Badge} status=${t.status} testid="task-status" />`}</h1>
    <${ErrorLine} error=${task.error || error} />
    ${
      t &&
      html`<p><strong>${t.prompt}</strong></p>
      <p class="muted">${t.id} · stage ${t.currentStage ? `${t.currentStage.index + 1}/${t.pipeline?.length ?? "?"} ${t.currentStage.name}` : "—"}
        · machine ${t.machineId ? html`<a href="#/hosts/${t.machineId}">${t.machineId}</a>` : "—"} · attempt ${t.attempt}</p>
      <p>${!TERMINAL.includes(t.status) && html`<button class="secondary" onClick=${() => act(() => api("POST", `/api/web/tasks/${id}/cancel`))}>Cancel</button>`}
        ${(t.status === "failed" || t.status === "cancelled") && html`<button class="secondary" onClick=${() => act(() => api("POST", `/api/web/tasks/${id}/retry`))}>Retry</button>`}</p>`
    }
    ${
      pending &&
      html`<div class="confirm" data-testid="confirm">
      <strong>Stage ${pending.stageName} awaits confirmation</strong>
      <p data-testid="confirm-prompt">${fillTemplate(pending.prompt ?? "", pending.stages ?? {}, t?.prompt ?? "")}</p>
      ${
        pending.options
          ? pending.options.map(
              (o) => html`<button data-testid="confirm-option" onClick=${() => confirm(o)}>${o}</button> `,
            )
          : html`<form class="inline" onSubmit=${prevented(() => confirm(answer || "confirmed"))}>
            <input placeholder="answer (optional)" value=${answer} onInput=${(e) => setAnswer(e.target.value)} />
            <button type="submit" data-testid="confirm-submit">Confirm</button></form>`
      }
    </div>`
    }
    ${t?.machineId && html`<${HostTerminal} id=${id} tokenPath=${`/api/web/tasks/${id}/pty-token`} onClosed=${() => logs.reload()} />`}
    <h2>Logs</h2>
    <pre class="log" data-testid="task-logs" data-live-lines=${liveLines}>${[...(logs.data?.items ?? []), ...streamed].map((l) => `${l.stream === "stderr" ? "! " : ""}${l.line}\n`).join("")}</pre>
    <h2>Events</h2>
    <table data-testid="task-events"><tbody>
      ${(events.data?.items ?? []).map((e) => html`<tr><td>${when(e.createdAt)}</td><td>${e.type}</td><td>${e.message}</td></tr>`)}
    </tbody></table>`;
}

/** A confirm stage's prompt with its `{{stages.<name>.result}}` and `{{task.prompt}}` filled in, as the pipeline does. */
const fillTemplate = (text, stages, prompt) =>
  text.replace(/\{\{\s*(stages\.([\w-]+)\.result|task\.prompt)\s*\}\}/g, (whole, _expr, stage) =>
    stage === undefined ? prompt : (stages[stage] ?? whole),
  );

function Fleets() {
  const fleets = useLive(() => api("GET", "/api/v1/fleets"), []);
  const rollouts = useLive(() => api("GET", "/api/v1/rollouts"), []);
  const list = (d) => d?.items ?? (Array.isArray(d) ? d : []);
  return html`<h1>Fleets</h1><${ErrorLine} error=${fleets.error} />
    <table><thead><tr><th>Name</th><th>Selector</th></tr></thead><tbody>
      ${list(fleets.data).map((f) => html`<tr><td>${f.name}</td><td><code>${JSON.stringify(f.selector ?? {})}</code></td></tr>`)}
    </tbody></table>
    <h2>Rollouts</h2>
    <table><thead><tr><th>Rollout</th><th>Status</th><th>Created</th></tr></thead><tbody>
      ${list(rollouts.data).map((r) => html`<tr><td>${r.name ?? r.id}</td><td><${Badge} status=${r.status} /></td><td>${when(r.createdAt)}</td></tr>`)}
    </tbody></table>`;
}

function Device({ query }) {
  const [code, setCode] = useState(query.get("user_code") ?? "");
  const [result, setResult] = useState();
  const approve = async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/api/auth/device/approve", { userCode: code.trim() });
      setResult({ ok: true });
    } catch (err) {
      setResult({ error: err });
    }
  };
  return html`<h1>Approve a device login</h1>
    <p class="muted">Enter the code your CLI shows; it signs in as you.</p>
    <form class="inline" onSubmit=${approve}>
      <input data-testid="user-code" placeholder="ABCD-EFGH" value=${code} onInput=${(e) => setCode(e.target.value)} required />
      <button type="submit">Approve</button>
    </form>
    ${result?.ok && html`<p data-testid="device-approved">Approved: return to your terminal.</p>`}
    <${ErrorLine} error=${result?.error} />`;
}

function Search({ query }) {
  const q = query.get("q") ?? "";
  const { data, error } = useLive(() => api("GET", `/api/web/search?q=${encodeURIComponent(q)}`), [q]);
  return html`<h1>Search: ${q}</h1><${ErrorLine} error=${error} />
    <div data-testid="search-results">
    <h2>Machines</h2>
    <ul>${(data?.machines ?? []).map((m) => html`<li><a href="#/hosts/${m.id}">${m.name}</a> <${Badge} status=${m.status} /></li>`)}</ul>
    <h2>Tasks</h2>
    <ul>${(data?.tasks ?? []).map((t) => html`<li><a href="#/tasks/${t.id}">${t.title}</a> <${Badge} status=${t.status} /> <span class="muted">${t.projectKey ?? ""}</span></li>`)}</ul>
    <h2>Projects</h2>
    <ul>${(data?.projects ?? []).map((p) => html`<li>${p.key} <span class="muted">${p.name}</span></li>`)}</ul>
    </div>`;
}

// ---- Shell ----
function App() {
  const [signedIn, setSignedIn] = useState(!!store.get());
  onSignedOut = () => setSignedIn(false);
  useEffect(() => {
    if (signedIn) live.start();
    else live.stop();
  }, [signedIn]);
  const { parts, query } = useRoute();
  if (!signedIn) return html`<${Login} onSignedIn=${() => setSignedIn(true)} />`;
  const signOut = async () => {
    const session = store.get();
    if (session?.refreshToken) await call("POST", "/api/auth/logout", { refreshToken: session.refreshToken });
    store.set(null);
    setSignedIn(false);
  };
  const [section, id] = parts;
  const page =
    section === "hosts" && id
      ? html`<${Host} id=${id} />`
      : section === "hosts"
        ? html`<${Hosts} />`
        : section === "tasks" && id
          ? html`<${Task} id=${id} />`
          : section === "tasks"
            ? html`<${Tasks} query=${query} />`
            : section === "fleets"
              ? html`<${Fleets} />`
              : section === "device"
                ? html`<${Device} query=${query} />`
                : section === "search"
                  ? html`<${Search} query=${query} />`
                  : html`<${Dashboard} />`;
  return html`<${Header} signOut=${signOut} /><main key=${location.hash}>${page}</main>`;
}

render(html`<${App} />`, document.getElementById("app"));
