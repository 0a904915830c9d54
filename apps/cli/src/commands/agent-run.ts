import { agentProcess, type AgentSettingsSources } from '@palisade/node-agent';

/** `palisade agent run`: the agent process (libs/node-agent), with the CLI's version. */
export function agentRunCommand(options: AgentSettingsSources, version: string): Promise<number> {
  return agentProcess(options, version);
}
