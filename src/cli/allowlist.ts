import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { listAllowlist, listGroupAllowlist, renderAllowlist } from '../feedback/allowlist.ts';
import { RedisGroupAllowlist } from '../state/redis/group-allowlist.ts';
import { connectRedis } from '../state/redis/connect.ts';
import { StateKeys } from '../state/redis/keys.ts';
import { awaitDependencies, commandSettings, stackNotice } from './lifecycle.ts';

const HELP = `usage: vigil allowlist list [--json]

Lists every allowlist entry still acting, from the users' state in Redis: the user (or group), the scope, the
signals it quiets, its owner, when it ends and why. Entries come from benign feedback
(\`vigil feedback --allow\`); an entry past its end stops acting on its own and is not listed.`;

/** The flags `vigil allowlist` accepts (the documentation's commands are checked against them). */
export const OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: OPTIONS,
  });
  if (values.help || positionals[0] !== 'list' || positionals.length !== 1) {
    process.stderr.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const settings = commandSettings();
  const { config } = settings;
  const notice = stackNotice(settings.stack);
  if (notice) process.stderr.write(`vigil allowlist: ${notice}\n`);
  await awaitDependencies(settings, { redis: true });
  const redis = connectRedis(config.redis);
  try {
    await redis.connect();
    const now = Date.now();
    const keys = new StateKeys(config.redis.keyPrefix);
    const entries = [
      ...(await listAllowlist(redis, keys, now)),
      ...(await listGroupAllowlist(new RedisGroupAllowlist(redis, keys), now)),
    ].sort((a, b) => a.expiresMs - b.expiresMs);
    process.stdout.write(
      values.json
        ? entries
            .map(
              (entry) =>
                `${JSON.stringify({ ...entry, expires_at: new Date(entry.expiresMs).toISOString() })}\n`,
            )
            .join('')
        : renderAllowlist(entries, now),
    );
  } finally {
    redis.disconnect();
  }
  return 0;
}
