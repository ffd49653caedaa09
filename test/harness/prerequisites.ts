import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const LIST = new URL('../../scripts/prerequisites.txt', import.meta.url);

export interface Prerequisite {
  readonly command: string;
  readonly debianPackage: string;
}

/** The system commands the tests need, from the list `scripts/prerequisites.sh` installs. */
export function prerequisites(text = readFileSync(LIST, 'utf8')): Prerequisite[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [command, debianPackage] = line.split(/\s+/) as [string, string];
      return { command, debianPackage };
    });
}

function onPath(command: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The first prerequisite that is not on PATH, or nothing when all are. */
export function missingPrerequisite(
  list = prerequisites(),
  path = process.env.PATH ?? '',
): Prerequisite | undefined {
  return list.find(({ command }) => !onPath(command, path));
}

/** One line: what is missing and the command that installs it. */
export function describeMissing({ command, debianPackage }: Prerequisite): string {
  return `${command} is missing (Debian package ${debianPackage}); install every test prerequisite with: scripts/prerequisites.sh`;
}
