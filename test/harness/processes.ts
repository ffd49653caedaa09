import { spawn, execFile } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** Starts a long-lived server in its own process group, its output appended to `<dir>/server.log`. */
export function startDetached(
  dir: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): number {
  mkdirSync(dir, { recursive: true });
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(command, args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env },
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  writeFileSync(join(dir, 'pid'), String(child.pid));
  return child.pid;
}

export function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group, SIGKILL if it has not gone after `graceMs`. */
export async function stopDetached(dir: string, graceMs = 20_000): Promise<boolean> {
  const pid = readPid(dir);
  if (pid === undefined) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(100);
  rmSync(join(dir, 'pid'), { force: true });
  return true;
}

/** SIGKILL to the process group, as a crash: no shutdown hook runs. Resolves true when there was one. */
export async function killDetached(dir: string): Promise<boolean> {
  const pid = readPid(dir);
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  while (isAlive(pid)) await sleep(50);
  rmSync(join(dir, 'pid'), { force: true });
  return true;
}

/** Polls `check` until it resolves true; fails with the tail of the service log. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  let tail = '';
  if (logFile) {
    try {
      tail = '\n' + readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      /* no log yet */
    }
  }
  throw new Error(`${what} was not healthy after ${timeoutMs / 1000}s${tail}`);
}
