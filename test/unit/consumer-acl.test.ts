/** What an MQTT consumer may subscribe to: its own tenant's consumer topics, never a wildcard across tenants. */
import { describe, expect, test } from "bun:test";
import { consumerAclTopics, consumerMaySubscribe } from "../../control-plane/src/modules/consumers/acl";

const T = "ten_a";

describe("consumerMaySubscribe", () => {
  test.each([
    `edge/${T}/+/telemetry`,
    `edge/${T}/+/status`,
    `edge/${T}/+/presence`,
    `edge/${T}/host_1/telemetry`,
    `edge-json/${T}/#`,
    `edge-json/${T}/+/+`,
    `edge-json/${T}/+/#`,
    `edge-json/${T}/host_1/#`,
    `edge-json/${T}/+/telemetry`,
  ])("allows %s", (filter) => expect(consumerMaySubscribe(T, filter)).toBe(true));

  test.each([
    "#",
    "+",
    "+/#",
    "$SYS/#",
    `$share/g/edge/${T}/+/telemetry`,
    "edge/#",
    "edge/+/+/telemetry",
    `edge/${T}/#`,
    `edge/${T}/+/#`,
    `edge/${T}/+/+`,
    `edge/${T}/#/telemetry`,
    `edge/${T}/+/cmd`,
    `edge/${T}/+/ack`,
    `edge/${T}/+/log`,
    `edge/${T}/+/estop`,
    `edge/${T}/+/receipt`,
    `edge/${T}/+/safety`,
    `edge/${T}/+/policies`,
    `edge/${T}//telemetry`,
    `edge/${T}/+/telemetry/extra`,
    `edge/${T}`,
    `edge/ten_b/+/telemetry`,
    `edge/${T}x/+/telemetry`,
    "edge-json/#",
    "edge-json/+/#",
    `edge-json/${T}`,
    `edge-json/${T}/`,
    `edge-json/${T}/+/telemetry/x`,
    `edge-json/${T}/+/other`,
    "edge-json/ten_b/#",
    `other/${T}/+/telemetry`,
  ])("refuses %s", (filter) => expect(consumerMaySubscribe(T, filter)).toBe(false));

  test("the Mosquitto ACL lines are the allowed filters", () => {
    for (const filter of consumerAclTopics(T)) expect(consumerMaySubscribe(T, filter)).toBe(true);
  });
});
