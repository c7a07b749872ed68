/** Broker URL → MQTT client options (mqtt.js's names), parsed with WHATWG URL. */
import type { MqttClientOptions } from "./mqtt/client.ts";

export function mqttOptionsFromUrl(brokerUrl: string): Pick<MqttClientOptions, "protocol" | "host" | "port" | "path"> {
  const url = new URL(brokerUrl);
  const protocol = url.protocol.replace(/:$/, "") as MqttClientOptions["protocol"];
  const options: Pick<MqttClientOptions, "protocol" | "host" | "port" | "path"> = {
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
  };
  if (url.port) options.port = Number(url.port);
  // Only WebSocket transports use a path.
  if (protocol === "ws" || protocol === "wss") options.path = `${url.pathname}${url.search}`;
  return options;
}
