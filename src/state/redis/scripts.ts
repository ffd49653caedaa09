import { readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';

/** Each script file opens with its KEYS/ARGV/return contract; the file name ends in its key count. */
const SCRIPTS = {
  saveUser: 'save-user-1.lua',
  recordIpFailure: 'record-ip-failure-2.lua',
} as const;

type Arg = string | number;
export type ScriptReply = (string | number)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    saveUser(k1: string, ...args: Arg[]): Result<number, Context>;
    recordIpFailure(k1: string, k2: string, ...args: Arg[]): Result<ScriptReply, Context>;
  }
}

/** Registers the scripts once; ioredis sends EVALSHA and falls back to EVAL after a NOSCRIPT. */
export function defineScripts(client: Redis | Cluster): void {
  for (const [name, file] of Object.entries(SCRIPTS)) {
    const lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)![1]);
    client.defineCommand(name, { numberOfKeys, lua });
  }
}
