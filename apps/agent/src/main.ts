import { readFileSync } from 'node:fs';
import { agentProcess } from '@palisade/node-agent';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// The agent as its own deployable (a container's entry point): settings from PALISADE_AGENT_*
// variables and, when PALISADE_AGENT_CONFIG names one, a configuration file; `palisade agent run`
// is the same process with flags.
const config = process.env['PALISADE_AGENT_CONFIG'];
process.exit(await agentProcess(config ? { config } : {}, VERSION));
