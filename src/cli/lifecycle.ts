import { redactConfig, type Config } from '../config/index.ts';
import { createLogger, type Logger } from '../ops/logger.ts';
import { retryUntilDone } from '../pipeline/retry.ts';

/** A long-running process's JSON logger, which first records the settings it runs with, secrets redacted. */
export function processLogger(config: Config): Logger {
  const logger = createLogger({
    level: config.ops.logLevel,
    redactPersonalData: config.ops.redactPersonalData,
  });
  logger.info({ config: redactConfig(config) }, 'starting');
  return logger;
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
