#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/index.ts';
import { UnreachableError } from './reachable.ts';

/** `vigil <command>`: each command lives in its own module and is loaded only when asked for. */
const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<{ main: (args: string[]) => Promise<number> }> }
> = {
  run: {
    summary: 'consume Kafka, detect, write to the search engine, publish signed commands',
    load: () => import('./run.ts'),
  },
  index: {
    summary: 'write the documents `run --no-index` commits into the search engine',
    load: () => import('./index-documents.ts'),
  },
  setup: {
    summary: 'create the Kafka topics and the index templates (idempotent)',
    load: () => import('./setup.ts'),
  },
  keygen: {
    summary: 'make a key pair for signing commands (Ed25519, or RS256 with --alg)',
    load: () => import('./keygen.ts'),
  },
  simulate: {
    summary: 'generate a labelled synthetic population (NDJSON or Kafka) and its ground truth',
    load: () => import('./simulate.ts'),
  },
  evaluate: {
    summary: 'score findings (replay output or the search engine) against a ground truth',
    load: () => import('./evaluate.ts'),
  },
  replay: {
    summary: 'run the engine over an NDJSON file with in-memory state',
    load: () => import('./replay.ts'),
  },
  config: {
    summary: 'validate the configuration and print it with secrets redacted',
    load: () => import('./config.ts'),
  },
  schemas: {
    summary: 'write the JSON Schemas of the input contract to a folder',
    load: () => import('./schemas.ts'),
  },
  dashboards: {
    summary: 'write the Grafana dashboards and Kibana saved objects for an index prefix',
    load: () => import('./dashboards.ts'),
  },
};

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
