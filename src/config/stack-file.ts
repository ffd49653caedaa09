import { ENV_SETTINGS } from './env.ts';

/**
 * The local stack's settings: `npm run stack:up` writes the endpoints it listens on (off the usual
 * ports, so they never meet the machine's own services) to this git-ignored file of the checkout, and
 * every command reads it from its working directory (the checkout's root under `npm run`) when
 * present, under any configuration file and variable that is set.
 */
export const LOCAL_STACK_FILE = '.stack/vigil.json';

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The settings of a tree as the variables that set them, in the order of `env.ts`: `[name, value]`. */
export function settingsAsVariables(tree: Tree): [string, string][] {
  const pairs: [string, string][] = [];
  for (const setting of ENV_SETTINGS) {
    let node: unknown = tree;
    for (const key of setting.path) node = isTree(node) ? node[key] : undefined;
    if (node === undefined || isTree(node)) continue;
    pairs.push([setting.name, Array.isArray(node) ? node.join(',') : String(node)]);
  }
  return pairs;
}
