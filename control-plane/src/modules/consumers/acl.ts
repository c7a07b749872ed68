/**
 * What an MQTT consumer (a `roz_mqc_` key) may subscribe to: its own tenant's telemetry, status and presence, as
 * protobuf (`edge/{tenant}/{host|+}/{channel}`) and as JSON (anything under `edge-json/{tenant}/`). The tenant level
 * is always literal, so no wildcard reaches another tenant; `#`, `$SYS/...` and `$share/...` are refused.
 */
import { CONSUMER_CHANNELS, JSON_MIRROR_ROOT } from "../../../../proto/wire";

const isConsumerChannel = (level: string | undefined) => (CONSUMER_CHANNELS as readonly string[]).includes(level ?? "");

export function consumerMaySubscribe(tenantId: string, filter: string): boolean {
  if (filter.startsWith("$")) return false;
  const [root, tenant, host, channel, ...rest] = filter.split("/");
  if (tenant !== tenantId || !host || rest.length > 0) return false;
  if (root === "edge") return host !== "#" && isConsumerChannel(channel);
  if (root === JSON_MIRROR_ROOT) {
    if (host === "#") return channel === undefined;
    return channel === "+" || channel === "#" || isConsumerChannel(channel);
  }
  return false;
}

/** The same rule as Mosquitto ACL `topic read` lines (for a generated acl_file). */
export function consumerAclTopics(tenantId: string): string[] {
  return [...CONSUMER_CHANNELS.map((c) => `edge/${tenantId}/+/${c}`), `${JSON_MIRROR_ROOT}/${tenantId}/#`];
}
