export { configSchema, type Config } from './schema.ts';
export { loadConfig, ConfigError } from './load.ts';
export { redactConfig, redactSecrets } from './redact.ts';
export { ENV_SETTINGS, CONFIG_FILE_VARIABLE } from './env.ts';
