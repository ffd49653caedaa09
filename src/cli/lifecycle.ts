import { relative, resolve } from 'node:path';
import {
  LOCAL_STACK_FILE,
  loadSettings,
  redactConfig,
  redactSecrets,
  type Config,
  type LoadedSettings,
} from '../config/index.ts';
import { createLogger, type Logger } from '../ops/logger.ts';
import { retryUntilDone } from '../pipeline/retry.ts';
import { awaitReachable, dependenciesOf, type Dependency } from './reachable.ts';

/**
 * A command's settings: the variables, over the configuration file, over the local stack's file when
 * `npm run stack:up` wrote one.
 */
export function commandSettings(): LoadedSettings {
  return loadSettings({ stackFile: resolve(LOCAL_STACK_FILE) });
}

/** One line naming the local stack's file and the settings it supplied, or nothing when none did. */
export function stackNotice(stack: LoadedSettings['stack']): string | undefined {
  if (!stack?.variables.length) return undefined;
  const settings = stack.variables.map(([name, value]) => `${name}=${redactSecrets(value)}`).join(' ');
  return `using the local stack's settings from ${shownPath(stack.file)}: ${settings}`;
}

const shownPath = (file: string) => {
  const path = relative(process.cwd(), file);
  return path.startsWith('..') ? file : path;
};

/** A long-running process's JSON logger, which first records the settings it runs with, secrets redacted. */
export function processLogger(config: Config, stack?: LoadedSettings['stack']): Logger {
  const logger = createLogger({
    level: config.ops.logLevel,
    redactPersonalData: config.ops.redactPersonalData,
  });
  logger.info({ config: redactConfig(config) }, 'starting');
  const notice = stackNotice(stack);
  if (notice) logger.info(notice);
  return logger;
}

/**
 * Waits, at most `VIGIL_STARTUP_TIMEOUT_MS`, for the servers a command needs to accept connections;
 * throws an UnreachableError (one line for people) when one does not.
 */
export function awaitDependencies(
  { config, stack }: LoadedSettings,
  needs: Parameters<typeof dependenciesOf>[1],
  logger?: Logger,
): Promise<void> {
  const fromStack = new Set(stack?.variables.map(([name]) => name));
  const hint = (dependency: Dependency) =>
    stack && fromStack.has(dependency.variable)
      ? ` (this address is the local stack's, from ${shownPath(stack.file)}: npm run stack:status)`
      : '';
  return awaitReachable(dependenciesOf(config, needs), config.ops.startupTimeoutMs, {
    ...(logger && { logger }),
    hint,
  });
}

/** Start-up steps retry until their dependency answers, so processes may start in any order. */
export function waitingFor(logger: Logger) {
  return <T>(what: string, attempt: () => Promise<T>) =>
    retryUntilDone(attempt, { onRetry: (err, n) => logger.warn({ err, attempt: n }, `waiting for ${what}`) });
}

/** The signal that asks the process to stop: SIGTERM from an orchestrator, SIGINT from a terminal. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
