export { configSchema, type Config } from './schema.ts';
export { loadConfig, redactConfig, ConfigError } from './load.ts';
export { ENV_SETTINGS, CONFIG_FILE_VARIABLE } from './env.ts';
