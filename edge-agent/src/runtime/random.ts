/** `bytes` random bytes as hex, from Web Crypto (node:crypto costs the agent ~2 MiB resident: README, agent footprint). */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}
