/**
 * Where a latency sample of `npm run bench` ends: Vigil's committed command read off the topic, or the
 * command in force at a service, in a vigil-client enforcer fed by Kafka or by SSF push.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createEnforcer, type Enforcer } from '../packages/client/src/index.ts';
import { KAFKA_BROKERS } from '../test/harness/endpoints.ts';

/** Tells `seen(user)` when the command for a user's burst has arrived where this observer looks. */
export interface Observer {
  readonly name: string;
  /** Extra settings of the Vigil deployment this observer needs (the SSF transmitter). */
  readonly env: Record<string, string>;
  start(vigilPort: number, seen: (userId: string) => void): Promise<void>;
  stop(): Promise<void>;
}

/** The command read off the commands topic, as committed (the event → command rows). */
export function commandsReader(env: Record<string, string>): Observer {
  const reader = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).consumer({
    groupId: `${env.VIGIL_KAFKA_GROUP_ID}-reader`,
    readUncommitted: false,
  });
  return {
    name: 'no service: the command committed, read off the topic',
    env: {},
    async start(_vigilPort, seen) {
      await reader.connect();
      await reader.subscribe({ topic: env.VIGIL_TOPIC_COMMANDS!, fromBeginning: false });
      await reader.run({
        eachMessage: async ({ message }) => seen(message.key!.toString()),
      });
    },
    stop: () => reader.disconnect(),
  };
}

const SSF_TOKEN = 'bench-service-0123456789abcdef';

/**
 * A service's enforcer: a sample ends when the revocation is in its table (what `isSessionRevoked`
 * reads), after its token was verified against the JWKS Vigil serves.
 */
export function serviceEnforcer(env: Record<string, string>, via: 'kafka' | 'ssf-push'): Observer {
  let enforcer: Enforcer | undefined;
  let server: ReturnType<typeof createServer> | undefined;
  return {
    name: via === 'kafka' ? 'enforcer, Kafka' : 'enforcer, SSF push',
    env: via === 'kafka' ? {} : { VIGIL_SSF_BEARER_TOKENS: SSF_TOKEN },
    async start(vigilPort, seen) {
      const ops = `http://127.0.0.1:${vigilPort}`;
      const verification = {
        issuer: env.VIGIL_COMMAND_ISSUER!,
        audience: env.VIGIL_COMMAND_AUDIENCE!,
        jwksUrl: `${ops}/.well-known/jwks.json`,
      };
      if (via === 'kafka') {
        enforcer = createEnforcer({
          ...verification,
          kafka: {
            brokers: KAFKA_BROKERS,
            topic: env.VIGIL_TOPIC_COMMANDS!,
            groupPrefix: env.VIGIL_KAFKA_GROUP_ID!,
            instanceId: 'bench-service',
            lookBackMs: 0,
          },
        });
      } else {
        server = createServer((request, response) => enforcer!.pushHandler()(request, response));
        await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        enforcer = createEnforcer({
          ...verification,
          ssf: {
            bearerToken: SSF_TOKEN,
            transmitterUrl: ops,
            delivery: { method: 'push', endpointUrl: `http://127.0.0.1:${port}/ssf/events` },
          },
        });
      }
      enforcer.onEnforced((command) => {
        if (command.kind === 'revoke') seen(command.userId);
      });
      await enforcer.start();
    },
    async stop() {
      await enforcer?.stop();
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    },
  };
}

/**
 * The default policy, with MFA fatigue revoking the user's sessions: the bench's bursts (fresh users,
 * no history to travel from) then end in revocations, the command a service enforces at once.
 */
export function revokingPolicyFile(): string {
  const file = join(tmpdir(), `vigil-bench-policy-${process.pid}.yaml`);
  writeFileSync(
    file,
    [
      'rules:',
      '  - { action: revoke_sessions, signals: [mfa_fatigue], description: bench bursts end in revocations }',
      '  - { action: revoke_sessions, minRisk: 0.85 }',
      '  - { action: step_up, minRisk: 0.5 }',
    ].join('\n'),
  );
  return file;
}
