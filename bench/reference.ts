/** Reference floors that benchmarks measure in the same run as what they compare with them. */
import mqtt, { type IClientOptions } from "mqtt";

/** Bare MQTT QoS 1 publish → receive round trips (ms) on `url`, one at a time. */
export async function bareMqttRoundTrip(url: string, credentials: IClientOptions, n: number): Promise<number[]> {
  const client = await mqtt.connectAsync(url, { ...credentials, clientId: `bench-echo-${Date.now()}` });
  const name = `bench/echo/${Date.now()}`;
  await client.subscribeAsync(name, { qos: 1 });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const received = new Promise<void>((resolve) => client.once("message", () => resolve()));
    const t0 = performance.now();
    client.publish(name, Buffer.from(String(i)), { qos: 1 });
    await received;
    out.push(performance.now() - t0);
  }
  await client.endAsync();
  return out;
}
