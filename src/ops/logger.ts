import { pino, type Logger } from 'pino';
import { redactStrings } from '../config/redact.ts';

export type { Logger };

export interface LoggerOptions {
  readonly level: string;
  /** Also hide source IPs and e-mail addresses, for deployments that treat them as personal data. */
  readonly redactPersonalData?: boolean;
  readonly destination?: pino.DestinationStream;
}

const SECRET_PATHS = [
  '*.password',
  '*.apiKey',
  '*.privateKey',
  '*.signingKey',
  '*.*.password',
  '*.*.apiKey',
  '*.*.privateKey',
  'headers.authorization',
];
const PERSONAL_PATHS = [
  'ip',
  '*.ip',
  'email',
  '*.email',
  'user.email',
  'user_email',
  '*.user_email',
  'source.ip',
];

/** JSON logs on stdout; each stage takes `logger.child({ component })`. */
export function createLogger(options: LoggerOptions): Logger {
  const paths = options.redactPersonalData ? [...SECRET_PATHS, ...PERSONAL_PATHS] : SECRET_PATHS;
  return pino(
    {
      name: 'vigil',
      level: options.level,
      redact: { paths, censor: '[redacted]' },
      // An error's message may quote a URL with its credentials (a client library naming its target).
      serializers: {
        err: (err: unknown) => redactStrings(err instanceof Error ? pino.stdSerializers.err(err) : err),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
