import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { Kafka, logLevel, type Consumer, type KafkaConfig } from 'kafkajs';
import type { JSONWebKeySet } from 'jose';
import type { Command } from './commands.ts';
import { VigilClientError } from './errors.ts';
import { consumeCommands } from './kafka-source.ts';
import { pushHandler, SsfClient, type SsfReceiverOptions } from './ssf-receiver.ts';
import { MemoryEnforcementStore, type EnforcementStore } from './store.ts';
import { createSetVerifier, SET_REJECTIONS, type SetRejection } from './verifier.ts';

export interface EnforcerOptions {
  /** Vigil's Issuer (`VIGIL_COMMAND_ISSUER`), exactly as in every token's `iss`. */
  readonly issuer: string;
  /** This service's audience, one of `VIGIL_COMMAND_AUDIENCE`. */
  readonly audience: string;
  /** Vigil's `/.well-known/jwks.json`; `jwks` instead for a fixed set of keys. */
  readonly jwksUrl?: string | URL;
  readonly jwks?: JSONWebKeySet;
  /**
   * How long a revocation or step-up holds, from its token's `iat`: SSF tokens carry no `exp`, so
   * the receiver decides. One day by default. Tokens older than this are refused as stale.
   */
  readonly keepSeconds?: number;
  readonly clockSkewSeconds?: number;
  readonly jwksCooldownMs?: number;
  /** Where enforcements live; in this process's memory by default, `RedisEnforcementStore` for a fleet. */
  readonly store?: EnforcementStore;
  /** Read commands from Vigil's commands topic. */
  readonly kafka?: {
    readonly brokers?: readonly string[];
    readonly kafka?: Kafka;
    readonly config?: Omit<KafkaConfig, 'brokers'>;
    /** `vigil.commands` by default. */
    readonly topic?: string;
    /** A group of this instance alone: `<groupPrefix>-<instanceId>`. */
    readonly groupPrefix?: string;
    /** Stable across restarts, unique in the fleet; the host name by default. */
    readonly instanceId?: string;
    /** How far back to read on start; `keepSeconds` by default, so no live command is forgotten. */
    readonly lookBackMs?: number;
  };
  /**
   * Receive commands as an SSF receiver: a stream is created on start, then pushed to
   * (`pushHandler()` serves the endpoint) or polled.
   */
  readonly ssf?: SsfReceiverOptions;
  /** Told about every refused token, for the service's own logs. */
  readonly onRejected?: (rejection: { code: SetRejection; reason: string }) => void;
  /** Told about failures to reach the SSF transmitter or the keys, which are retried. */
  readonly onError?: (error: unknown) => void;
  /** Told about every command put into effect. */
  readonly onEnforced?: (command: Command) => void;
  readonly now?: () => number;
}

export type Receipt =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly code: SetRejection; readonly reason: string };

export interface EnforcerStats {
  readonly enforced: { readonly revoke: number; readonly step_up: number };
  readonly verifications: number;
  readonly rejected: Readonly<Record<SetRejection, number>>;
}

export interface Enforcer {
  /**
   * Starts the store and the sources. Resolves once the enforcer is ready: its SSF stream is open and,
   * reading Kafka, it has joined its group and read the commands topic up to the end offsets of the
   * moment it started (the look-back read), so no live revocation is missing.
   */
  start(): Promise<void>;
  /** True once `start()` has resolved, until `stop()`: what a service's readiness probe reports. */
  readonly ready: boolean;
  stop(): Promise<void>;
  /** With `userId`, also a revocation of all the user's sessions that began before it. Never waits. */
  isSessionRevoked(sessionId: string, userId?: string, sessionStartedAt?: number | Date): boolean;
  stepUpRequired(userId: string, sessionId: string, sessionStartedAt?: number | Date): boolean;
  /** The session has just passed multi-factor authentication: the step-ups ordered so far are met. */
  stepUpSatisfied(userId: string, sessionId: string): Promise<void>;
  /**
   * Verifies one SET and puts it into effect. Refusals are values (and counted); throws only
   * `jwks_unavailable`, when the token cannot be judged yet and must be retried.
   */
  receive(token: string): Promise<Receipt>;
  stats(): EnforcerStats;
  /** The SSF push endpoint (RFC 8935), for a Node or Express server to mount. */
  pushHandler(): (request: IncomingMessage, response: ServerResponse) => void;
  /** The SSF client, when receiving over SSF: the stream, verification requests. */
  readonly ssf: SsfClient | undefined;
  /** Called with each command in effect, in addition to `onEnforced`. */
  onEnforced(listener: (command: Command) => void): () => void;
}

const DEFAULT_KEEP_SECONDS = 86_400;

const msOf = (time: number | Date | undefined) => (time instanceof Date ? time.getTime() : time);

/**
 * Enforces Vigil's commands in a service: every token verified, each `jti` taken once, revocations and
 * step-ups kept for `keepSeconds` from their `iat`, answered from memory.
 */
export function createEnforcer(options: EnforcerOptions): Enforcer {
  const now = options.now ?? Date.now;
  const keepSeconds = options.keepSeconds ?? DEFAULT_KEEP_SECONDS;
  const store: EnforcementStore = options.store ?? new MemoryEnforcementStore({ now });
  const verify = createSetVerifier({
    issuer: options.issuer,
    audience: options.audience,
    keepSeconds,
    now,
    ...(options.jwksUrl && { jwksUrl: options.jwksUrl }),
    ...(options.jwks && { jwks: options.jwks }),
    ...(options.clockSkewSeconds !== undefined && { clockSkewSeconds: options.clockSkewSeconds }),
    ...(options.jwksCooldownMs !== undefined && { jwksCooldownMs: options.jwksCooldownMs }),
  });
  // Token ids seen by this instance, until their tokens would be stale anyway: a redelivery (by Kafka or
  // by a transmitter retrying) and a replayed token are refused alike, and neither changes anything.
  const seen = new Map<string, number>();
  const rejected = Object.fromEntries(SET_REJECTIONS.map((code) => [code, 0])) as Record<
    SetRejection,
    number
  >;
  const enforced = { revoke: 0, step_up: 0 };
  let verifications = 0;
  const listeners = new Set<(command: Command) => void>();
  if (options.onEnforced) listeners.add(options.onEnforced);
  let consumer: Consumer | undefined;
  const ssf = options.ssf && new SsfClient(options.issuer, options.ssf);
  let stopped = false;
  let ready = false;
  const sweeper = setInterval(() => {
    const nowMs = now();
    for (const [jti, untilMs] of seen) if (untilMs <= nowMs) seen.delete(jti);
  }, 60_000);
  sweeper.unref();

  const refuse = (code: SetRejection, reason: string): Receipt => {
    rejected[code] += 1;
    options.onRejected?.({ code, reason });
    return { ok: false, code, reason };
  };

  async function receive(token: string): Promise<Receipt> {
    if (stopped) throw new VigilClientError('closed', 'the enforcer is stopped');
    const check = await verify(token);
    if (!check.ok) return refuse(check.code, check.reason);
    const { command } = check;
    if (seen.has(command.jti)) return refuse('replayed', `jti ${command.jti} was received before`);
    const iatMs = 'claims' in command ? command.claims.iat * 1000 : now();
    seen.set(command.jti, iatMs + keepSeconds * 1000);
    if (command.kind === 'verification' || command.kind === 'stream_updated') {
      verifications += command.kind === 'verification' ? 1 : 0;
    } else {
      await store.apply({
        kind: command.kind,
        userId: command.userId,
        ...(command.sessionId !== undefined && { sessionId: command.sessionId }),
        atMs: command.atMs,
        untilMs: iatMs + keepSeconds * 1000,
      });
      enforced[command.kind] += 1;
    }
    for (const listener of listeners) listener(command);
    return { ok: true, command };
  }

  return {
    async start() {
      await store.start?.();
      if (ssf) {
        const stream = await ssf.open();
        if (stream.delivery.method === 'urn:ietf:rfc:8936')
          ssf.startPolling(receive, (error) => options.onError?.(error));
      }
      const source = options.kafka;
      if (!source) {
        ready = !stopped;
        return;
      }
      const kafka =
        source.kafka ??
        new Kafka({
          clientId: 'vigil-enforcer',
          logLevel: logLevel.WARN,
          ...source.config,
          brokers: [...(source.brokers ?? [])],
        });
      consumer = await consumeCommands({
        kafka,
        topic: source.topic ?? 'vigil.commands',
        groupId: `${source.groupPrefix ?? 'vigil-enforcer'}-${source.instanceId ?? hostname()}`,
        lookBackMs: source.lookBackMs ?? keepSeconds * 1000,
        now,
        receive,
      });
      ready = !stopped;
    },
    get ready() {
      return ready;
    },
    async stop() {
      stopped = true;
      ready = false;
      clearInterval(sweeper);
      await consumer?.disconnect();
      await ssf?.close();
      await store.close?.();
    },
    isSessionRevoked: (sessionId, userId, startedAt) =>
      store.isSessionRevoked(sessionId, userId, msOf(startedAt)),
    stepUpRequired: (userId, sessionId, startedAt) =>
      store.stepUpRequired(userId, sessionId, msOf(startedAt)),
    stepUpSatisfied: (userId, sessionId) =>
      store.satisfyStepUp(userId, sessionId, now(), now() + keepSeconds * 1000),
    receive,
    pushHandler: () =>
      pushHandler(
        receive,
        options.ssf?.delivery.method === 'push' ? options.ssf.delivery.authorization : undefined,
      ),
    ssf,
    stats: () => ({ enforced: { ...enforced }, verifications, rejected: { ...rejected } }),
    onEnforced(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
