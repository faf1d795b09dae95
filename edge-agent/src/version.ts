// a JSON import, not a require of ../package.json at run time: bundlers inline it, so the bundled
// agent (edgefleet flash) runs where no package.json sits beside it
import agentPackage from '../package.json' with { type: 'json' }

/** This agent's version, from its package.json (reported in status messages). */
export const AGENT_VERSION: string = agentPackage.version
