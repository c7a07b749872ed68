/**
 * A fleet of simulated MQTT agents (sim-agent.ts) in a process of its own, so that a benchmark's control plane does
 * not share its event loop with a thousand MQTT clients:
 *   bun bench/sim-fleet.ts <mqttUrl> <identities.json>
 * Prints `ready <n>` once every agent is connected and announced online; stops them all when stdin closes.
 */
import { startMqttSimAgent, type SimAgent, type SimAgentIdentity } from "./sim-agent";

const [mqttUrl, file] = process.argv.slice(2);
if (!mqttUrl || !file) throw new Error("usage: bun bench/sim-fleet.ts <mqttUrl> <identities.json>");
const identities: SimAgentIdentity[] = JSON.parse(await Bun.file(file).text());
const agents: SimAgent[] = [];
for (let i = 0; i < identities.length; i += 50)
  agents.push(...(await Promise.all(identities.slice(i, i + 50).map((id) => startMqttSimAgent(mqttUrl, id)))));
console.log(`ready ${agents.length}`);
// The parent closes stdin (or exits) when the benchmark is over.
for await (const _ of Bun.stdin.stream()) {
}
for (const agent of agents) await agent.stop();
process.exit(0);
