import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { parseArgs } from 'node:util';
import { COMMANDS } from '../../src/cli/commands.ts';
import { CONFIG_FILE_VARIABLE, ENV_SETTINGS } from '../../src/config/env.ts';
import { commandLines, documentationFiles, shellBlocks, simpleCommands, type CommandLine } from './shell.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts;

/** Variables a reader may set: Vigil's settings, and the few the test harness reads. */
const HARNESS_VARIABLES = readdirSync(join(ROOT, 'test/harness'))
  .filter((file) => file.endsWith('.ts'))
  .flatMap((file) => [
    ...readFileSync(join(ROOT, 'test/harness', file), 'utf8').matchAll(/process\.env\.(VIGIL_[A-Z0-9_]+)/g),
  ])
  .map((match) => match[1]!);
const VARIABLES = new Set([...ENV_SETTINGS.map((s) => s.name), CONFIG_FILE_VARIABLE, ...HARNESS_VARIABLES]);

/** Folders of the repository a command may name; anything under them must exist. */
const REPO_PATH =
  /(?:^|[\s'"=@(])(?:\.\/)?((?:src|test|scripts|dashboards|schemas|bench|docs|node_modules)\/[\w.@/-]*\w)/g;

const lines = documentationFiles(ROOT).flatMap((file) =>
  shellBlocks(readFileSync(file, 'utf8')).flatMap((block) => commandLines(block, relative(ROOT, file))),
);

/** Why a `vigil <command> args` is wrong, or nothing: a command, and flags of its own with their values. */
async function vigilProblem(args: string[]): Promise<string | undefined> {
  const [name, ...rest] = args;
  if (!name || !COMMANDS[name]) return `"${name ?? ''}" is not a vigil command`;
  const { OPTIONS = {} } = await COMMANDS[name].load();
  const { tokens } = parseArgs({
    args: rest,
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const negated = !(token.name in OPTIONS) && token.name.startsWith('no-');
    const option = OPTIONS[negated ? token.name.slice(3) : token.name];
    if (!option || (negated && option.type !== 'boolean'))
      return `vigil ${name} has no flag ${token.rawName}`;
    if (option.type === 'string' && token.value === undefined)
      return `vigil ${name}: ${token.rawName} needs a value`;
  }
  return undefined;
}

async function problems(line: CommandLine): Promise<string[]> {
  const found: string[] = [];
  for (const words of simpleCommands(line.text)) {
    const command = [...words];
    for (let word = command[0]; word !== undefined; word = command[0]) {
      const assignment = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(word);
      if (word === 'export') command.shift();
      else if (assignment) {
        if (assignment[1]!.startsWith('VIGIL_') && !VARIABLES.has(assignment[1]!))
          found.push(`${assignment[1]} is not a setting (src/config/env.ts)`);
        command.shift();
      } else break;
    }
    for (const word of words)
      for (const [, name] of word.matchAll(/\$\{?(VIGIL_[A-Z0-9_]+)/g))
        if (!VARIABLES.has(name!)) found.push(`${name} is not a setting (src/config/env.ts)`);
    for (const word of words)
      for (const [, path] of word.matchAll(REPO_PATH))
        if (!existsSync(join(ROOT, path!))) found.push(`${path} does not exist`);

    const [program, ...args] = command;
    if (program === 'npm') {
      const run = args.filter((arg) => arg !== '-s' && arg !== '--silent');
      if (run[0] === 'run') {
        const script = run[1];
        if (!script || !(script in SCRIPTS))
          found.push(`npm run ${script ?? ''}: no such script in package.json`);
        else if (script === 'vigil') {
          const problem = await vigilProblem(run.slice(run[2] === '--' ? 3 : 2));
          if (problem) found.push(problem);
        }
      } else if (run[0] === 'test' && !('test' in SCRIPTS)) found.push('npm test: no test script');
    } else if (program === 'vigil') {
      const problem = await vigilProblem(args);
      if (problem) found.push(problem);
    }
  }
  return found;
}

test('the README and docs hold shell blocks, the walkthrough among them', () => {
  const texts = lines.map((line) => line.text);
  assert.ok(lines.length >= 25, `only ${lines.length} command lines found`);
  for (const expected of ['npm run stack:up', 'npm run vigil -- setup', 'npm run stack:down'])
    assert.ok(texts.includes(expected), `${expected} is in no shell block`);
});

test('every command in the README and docs names a script, a vigil command and flags, settings and paths that exist', async () => {
  const found: string[] = [];
  for (const line of lines)
    for (const problem of await problems(line)) found.push(`${line.where}: ${problem}`);
  assert.deepEqual(found, []);
});

test('the checks catch a drift: an unknown flag, command, script, setting or path', async () => {
  const check = (text: string) => problems({ text, where: 'example' });
  assert.deepEqual(await check('npm run vigil -- simulate --users 5 --kafka'), []);
  assert.deepEqual(await check('npm run vigil -- run --no-index'), []);
  assert.deepEqual(await check('npm run vigil -- simulate --kafka --population 5'), [
    'vigil simulate has no flag --population',
  ]);
  assert.deepEqual(await check('npm run vigil -- simulate --no-users 5'), [
    'vigil simulate has no flag --no-users',
  ]);
  assert.deepEqual(await check('npm run vigil -- simulate --users'), [
    'vigil simulate: --users needs a value',
  ]);
  assert.deepEqual(await check('vigil watch'), ['"watch" is not a vigil command']);
  assert.deepEqual(await check('npm run stack:restart'), [
    'npm run stack:restart: no such script in package.json',
  ]);
  assert.deepEqual(await check('export VIGIL_KAFKA_BROKER=127.0.0.1:9092'), [
    'VIGIL_KAFKA_BROKER is not a setting (src/config/env.ts)',
  ]);
  assert.deepEqual(await check('VIGIL_LOG_LEVEL=debug npm run vigil -- config'), []);
  assert.deepEqual(await check('echo "$VIGIL_SEARCH_ULR"'), [
    'VIGIL_SEARCH_ULR is not a setting (src/config/env.ts)',
  ]);
  assert.deepEqual(await check('promtool test rules dashboards/prometheus/vigil-rule.test.yml'), [
    'dashboards/prometheus/vigil-rule.test.yml does not exist',
  ]);
  assert.deepEqual(await check(`node -e "import('./src/verify.ts')" > out.txt 2>&1 &`), []);
});

test('VIGIL_ names in the prose are settings too', () => {
  const unknown = new Set<string>();
  for (const file of documentationFiles(ROOT)) {
    const prose = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const [name] of prose.matchAll(/VIGIL_[A-Z0-9_]*[A-Z0-9]/g))
      if (!VARIABLES.has(name)) unknown.add(`${relative(ROOT, file)}: ${name}`);
  }
  assert.deepEqual([...unknown], []);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

test('every link between the README and docs leads to a page and heading that exist', () => {
  const broken: string[] = [];
  for (const file of documentationFiles(ROOT)) {
    const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, hash] = target!.split('#');
      const linked = path ? join(dirname(file), path) : file;
      if (!existsSync(linked)) broken.push(`${relative(ROOT, file)}: ${target} (no such file)`);
      else if (hash) {
        const headings = [...readFileSync(linked, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!));
        if (!headings.includes(hash)) broken.push(`${relative(ROOT, file)}: ${target} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
});
