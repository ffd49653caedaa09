import { loadConfig, redactConfig } from '../config/index.ts';

export async function main(): Promise<number> {
  process.stdout.write(`${JSON.stringify(redactConfig(loadConfig()), null, 2)}\n`);
  return 0;
}
