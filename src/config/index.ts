export { configSchema, type Config } from './schema.ts';
export { loadConfig, loadSettings, ConfigError, type LoadedSettings } from './load.ts';
export { LOCAL_STACK_FILE, settingsAsVariables } from './stack-file.ts';
export { redactConfig, redactSecrets } from './redact.ts';
export { ENV_SETTINGS, CONFIG_FILE_VARIABLE } from './env.ts';
