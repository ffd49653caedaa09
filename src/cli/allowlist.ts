import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { listAllowlist, renderAllowlist } from '../feedback/allowlist.ts';
import { connectRedis } from '../state/redis/connect.ts';
import { StateKeys } from '../state/redis/keys.ts';

const HELP = `usage: vigil allowlist list [--json]

Lists every allowlist entry still acting, from the users' state in Redis: the user, the scope, the
signals it quiets, its owner, when it ends and why. Entries come from benign feedback
(\`vigil feedback --allow\`); an entry past its end stops acting on its own and is not listed.`;

export async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help || positionals[0] !== 'list' || positionals.length !== 1) {
    process.stderr.write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const redis = connectRedis(config.redis);
  try {
    await redis.connect();
    const now = Date.now();
    const entries = await listAllowlist(redis, new StateKeys(config.redis.keyPrefix), now);
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
