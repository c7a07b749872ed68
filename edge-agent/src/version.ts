/** The agent's version: the repository's package.json version, embedded at build time (works in a compiled binary). */
import pkg from '../../package.json' with { type: 'json' }

export const AGENT_VERSION: string = pkg.version
