#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/index.ts';
import { COMMANDS } from './commands.ts';
import { UnreachableError } from './reachable.ts';

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`);
  return [
    'usage: vigil <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'options: --help, --version',
  ].join('\n');
}

const [name, ...args] = process.argv.slice(2);
if (name === '--version' || name === '-v') {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`${pkg.version}\n`);
} else if (!name || name === '--help' || name === '-h' || !COMMANDS[name]) {
  process.stderr.write(
    `${name && !name.startsWith('-') ? `vigil: unknown command "${name}"\n` : ''}${usage()}\n`,
  );
  process.exitCode = name === '--help' || name === '-h' ? 0 : 2;
} else {
  try {
    process.exitCode = await (await COMMANDS[name].load()).main(args);
  } catch (error) {
    if (error instanceof UnreachableError) {
      process.stderr.write(`vigil: ${error.message}\n`);
      process.exitCode = 69; // EX_UNAVAILABLE
    } else if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`vigil: configuration error: ${problem}\n`);
      process.exitCode = 78; // EX_CONFIG
    } else throw error;
  }
}
