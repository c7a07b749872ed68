/** Broker URL → mqtt.js connection options, parsed with WHATWG URL (mqtt.js's own parser is Node's deprecated url.parse). */
import type { IClientOptions } from "mqtt";

export function mqttOptionsFromUrl(brokerUrl: string): IClientOptions {
  const url = new URL(brokerUrl);
  const protocol = url.protocol.replace(/:$/, "") as IClientOptions["protocol"];
  const options: IClientOptions = { protocol, host: url.hostname.replace(/^\[(.*)\]$/, "$1") };
  if (url.port) options.port = Number(url.port);
  // Only WebSocket transports use a path.
  if (protocol === "ws" || protocol === "wss") options.path = `${url.pathname}${url.search}`;
  return options;
}
