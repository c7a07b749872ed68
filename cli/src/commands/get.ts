/** get (lists and single resources) and describe (one resource in full, with a task's events). */
import YAML from "yaml";
import { out, printData, table } from "../output.ts";
import { RESOURCES, resourceType } from "../resources.ts";
import type { Verb } from "../verb.ts";

const TYPES = RESOURCES.map((r) => r.names[0]).join("|");

export const getVerbs: Verb[] = [
  {
    name: "get",
    summary: `List resources (${TYPES}), or show some by name or id`,
    args: "TYPE [NAME|ID ...]",
    minArgs: 1,
    description: "A table by default; -o json or -o yaml for the API's objects, -o name for names only.",
    flags: {
      status: { type: "string", value: "STATUS", description: "hosts, commands, tasks: only this status" },
      host: { type: "string", value: "HOST", description: "commands, tasks: only this host / machine (name or id)" },
      project: { type: "string", value: "KEY", description: "tasks: only this project" },
      channel: { type: "string", value: "CHANNEL", description: "releases: only this channel" },
      limit: { type: "string", value: "N", description: "commands, tasks: at most N (1-200)" },
    },
    async run(inv) {
      const type = resourceType(inv.args[0]!);
      const api = inv.api();
      const names = inv.args.slice(1);
      const rows = names.length ? await Promise.all(names.map((n) => type.get(api, n))) : await type.list(api, inv);
      if (inv.format === "json" || inv.format === "yaml") {
        printData(names.length === 1 ? rows[0] : rows, inv.format);
      } else if (inv.format === "name") {
        if (rows.length) out(rows.map((r) => type.name(r)).join("\n"));
      } else if (rows.length === 0) {
        process.stderr.write(`No ${type.names[0]} found.\n`);
      } else {
        out(table(rows, type.columns));
      }
      return 0;
    },
  },
  {
    name: "describe",
    summary:
      "Show one resource in full (a task with its events, a host with its recent commands, a machine with its tasks)",
    args: "TYPE NAME|ID",
    minArgs: 2,
    maxArgs: 2,
    async run(inv) {
      const type = resourceType(inv.args[0]!);
      const api = inv.api();
      const row = await type.get(api, inv.args[1]!);
      const id = encodeURIComponent(row.id);
      if (type.names[0] === "tasks") row.events = (await api.get(`/api/web/tasks/${id}/events`, { limit: 200 })).items;
      if (type.names[0] === "hosts")
        row.recentCommands = (await api.get("/api/v1/commands", { hostId: row.id, limit: 10 })).items;
      if (type.names[0] === "machines") row.tasks = (await api.get(`/api/web/machines/${id}/tasks`)).items;
      if (inv.format === "json") printData(row, "json");
      else out(YAML.stringify(row));
      return 0;
    },
  },
];
