import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { redactSecrets } from './redact.ts';
import { CONFIG_FILE_VARIABLE, ENV_SETTINGS, convertEnvValue, type EnvSetting } from './env.ts';
import { settingsAsVariables } from './stack-file.ts';

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    // A problem may quote what it was given, and a URL given may hold a password or a token; each is
    // printed as one line, whatever a library's message held.
    const shown = problems.map((problem) => redactSecrets(problem).replace(/\s*\n\s*/g, ' '));
    super(`invalid configuration: ${shown.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = shown;
  }
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Overrides VIGIL_CONFIG_FILE. */
  readonly file?: string;
  /**
   * Settings of a local stack (`LOCAL_STACK_FILE`), read when the file exists, under the configuration
   * file and the environment: whatever those set wins.
   */
  readonly stackFile?: string;
}

/** The configuration, and what the local stack's file supplied to it (nothing when it was not read). */
export interface LoadedSettings {
  readonly config: Config;
  readonly stack?: {
    readonly file: string;
    /** The stack's settings in effect, as the variables that would set them: `[name, value]`. */
    readonly variables: readonly [string, string][];
  };
}

type Tree = Record<string, unknown>;

/**
 * Reads the optional YAML/JSON file, lays the environment over it, and validates the result.
 * Throws a ConfigError whose every problem names the variable (or file path) and what is wrong.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  return loadSettings(options).config;
}

/** `loadConfig`, also telling which settings the local stack's file supplied. */
export function loadSettings(options: LoadOptions = {}): LoadedSettings {
  const env = options.env ?? process.env;
  const file = options.file ?? env[CONFIG_FILE_VARIABLE];
  const stackTree =
    options.stackFile && existsSync(options.stackFile) ? readConfigFile(options.stackFile) : {};
  const fileTree: Tree = file ? readConfigFile(file) : {};
  const tree = mergeTrees(structuredClone(stackTree), fileTree);
  const fromEnv = new Map<string, EnvSetting>();
  for (const setting of ENV_SETTINGS) {
    const raw = env[setting.name];
    if (raw === undefined || raw.trim() === '') continue;
    setPath(tree, setting.path, convertEnvValue(raw, setting.kind));
    fromEnv.set(setting.path.join('.'), setting);
  }
  const result = configSchema.safeParse(tree);
  if (result.success) {
    if (!options.stackFile || Object.keys(stackTree).length === 0) return { config: result.data };
    const overridden = new Set(settingsAsVariables(fileTree).map(([name]) => name));
    for (const setting of fromEnv.values()) overridden.add(setting.name);
    const variables = settingsAsVariables(stackTree).filter(([name]) => !overridden.has(name));
    return { config: result.data, stack: { file: options.stackFile, variables } };
  }
  const source = file ?? (Object.keys(stackTree).length ? options.stackFile : undefined);
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, fromEnv, env, source)));
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${CONFIG_FILE_VARIABLE}: cannot read ${file}: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`${file}: expected a mapping of settings at the top level`]);
  }
  return parsed as Tree;
}

/** `over` laid on `under`, mapping by mapping; a value that is not a mapping replaces what it meets. */
function mergeTrees(under: Tree, over: Tree): Tree {
  for (const [key, value] of Object.entries(over)) {
    const below = under[key];
    under[key] = isTree(value) && isTree(below) ? mergeTrees(below, value) : value;
  }
  return under;
}

const isTree = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  fromEnv: ReadonlyMap<string, EnvSetting>,
  env: NodeJS.ProcessEnv,
  file: string | undefined,
): string {
  const path = issue.path.map(String);
  for (let length = path.length; length > 0; length--) {
    const setting = fromEnv.get(path.slice(0, length).join('.'));
    if (!setting) continue;
    const shown = setting.secret ? '' : ` (got ${JSON.stringify(env[setting.name])})`;
    return `${setting.name}: ${issue.message}${shown}`;
  }
  const dotted = path.join('.');
  const variable = ENV_SETTINGS.find((setting) => setting.path.join('.') === dotted);
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${dotted}: required; set ${variable?.name ?? dotted}${file ? ` or ${dotted} in ${file}` : ''}`;
  }
  // A rule across settings (a webhook needs its secret) names the setting to add.
  if (issue.code === 'custom' && variable) {
    return `${variable.name}: ${issue.message}${file ? ` (or ${dotted} in ${file})` : ''}`;
  }
  return `${file ?? 'config'}: ${dotted}: ${issue.message}`;
}
