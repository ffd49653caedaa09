import { redactConfig } from '../config/index.ts';
import { loadPolicy } from '../decide/policy.ts';
import { signingKeyFromConfig } from '../sinks/commands/key-config.ts';
import { commandSettings } from './lifecycle.ts';

/**
 * Validates what a process would refuse at start-up, so that "valid" here means it starts: the
 * settings, the policy file, and the signing key when one is configured (only `run` needs one).
 */
export async function main(): Promise<number> {
  const { config } = commandSettings();
  loadPolicy(config.policyFile);
  if (config.commands.signingKey || config.commands.signingKeyFile) signingKeyFromConfig(config.commands);
  process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
  return 0;
}
