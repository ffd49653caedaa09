import { hostname } from 'node:os';
import { z } from 'zod';
import { ACCESS_ACTIONS } from '../events/schema.ts';
import { SIGNING_ALGORITHMS } from '../sinks/commands/signing.ts';
import { cidr, geoDataFolder, issuerUrl } from './checks.ts';

/** Every setting Vigil knows, with its default. Environment variables map onto it in `env.ts`. */

const port = z.number().int().min(1).max(65535);
const url = z.url();

export const kafkaSchema = z.object({
  brokers: z
    .array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'))
    .min(1)
    .default(['127.0.0.1:9092']),
  clientId: z.string().min(1).default('vigil'),
  groupId: z.string().min(1).default('vigil'),
  /**
   * Names this processor among its group, stable across its restarts (a pod or host name): its
   * transactional id derives from it, so a restarted processor fences its dead predecessor at once.
   */
  instanceId: z.string().min(1).default(hostname()),
  ssl: z.boolean().default(false),
  sasl: z
    .object({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
  topics: z
    .object({
      auth: z.string().min(1).default('vigil.auth-events'),
      access: z.string().min(1).default('vigil.access-events'),
      commands: z.string().min(1).default('vigil.commands'),
      deadLetter: z.string().min(1).default('vigil.dead-letter'),
      /** Search documents, committed with the commands and indexed by their own consumer group. */
      documents: z.string().min(1).default('vigil.search-documents'),
      /** Analysts' verdicts (schemas/feedback.v1.json), keyed by user as events are. */
      feedback: z.string().min(1).default('vigil.feedback'),
    })
    .prefault({}),
  /** Bounds a batch, and so memory per partition: Kafka hands over at most this much at a time. */
  maxBytesPerPartition: z.number().int().positive().default(1_048_576),
  /** Partitions processed at once, each in order; their batches share bulk requests and transactions. */
  partitionsConcurrently: z.number().int().min(1).max(64).default(4),
  partitions: z.number().int().min(1).default(6),
  /**
   * A processor killed without leaving holds its partitions this long; Kafka's own minimum is 6 s
   * (`group.min.session.timeout.ms`). Shorter means faster takeover and less patience with pauses.
   */
  sessionTimeoutMs: z.number().int().min(1000).default(6_000),
  /** A third of the session, as Kafka advises, so two lost heartbeats still keep the member. */
  heartbeatIntervalMs: z.number().int().min(100).default(2_000),
  replicationFactor: z.number().int().min(1).default(1),
});

export const redisSchema = z.object({
  mode: z.enum(['standalone', 'cluster']).default('standalone'),
  /** One URL for standalone; the seed nodes for a cluster. */
  urls: z.array(url).min(1).default(['redis://127.0.0.1:6379']),
  keyPrefix: z.string().default('vigil:'),
  /**
   * Replicas that must hold a checkpoint (and a batch's address failures) before it counts (Redis WAIT).
   * Replication is asynchronous: a master killed right after a write loses it. Set 1 where masters have
   * replicas; 0 (no wait) where they have none.
   */
  waitReplicas: z.number().int().min(0).default(0),
  waitTimeoutMs: z.number().int().positive().default(1_000),
  /**
   * Users a processor keeps in memory (about 2 KB each) besides those changed since its last checkpoint:
   * past it, the least recently used are let go, and read from Redis when next seen.
   */
  cachedUsers: z.number().int().min(0).default(100_000),
  /**
   * How often a processor saves the users it changed, with the offsets they are as of. After a crash
   * or a rebalance, the new owner replays its partitions from there: at most this long of events.
   */
  checkpointIntervalMs: z.number().int().min(100).default(2_000),
});

export const searchSchema = z.object({
  url: url.default('http://127.0.0.1:9200'),
  /** `auto` asks the engine's root endpoint which product it is. */
  engine: z.enum(['auto', 'elasticsearch', 'opensearch']).default('auto'),
  username: z.string().optional(),
  password: z.string().optional(),
  apiKey: z.string().optional(),
  indexPrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase letters, digits, "_", "." and "-" only')
    .default('vigil'),
  tlsRejectUnauthorized: z.boolean().default(true),
  /**
   * Replicas of each index the templates create; the engine's default (1) when unset. A one-node
   * cluster cannot place a replica and stays yellow, so the local stack sets 0.
   */
  replicas: z.number().int().min(0).optional(),
});

const tenMinutes = z.number().int().positive().default(600_000);

export const detectSchema = z.object({
  travel: z
    .object({
      // Peers: Okta 805 km/h, Elastic 800 km/h, Panther 900 km/h; we take the upper end to spare VPNs.
      maxSpeedKmh: z.number().positive().default(900),
      // Elastic's rule requires 500 km; shorter hops are within GeoIP error.
      minDistanceKm: z.number().nonnegative().default(500),
      trustedNetworks: z.array(cidr).default([]),
      /** Sign-ins kept per user; travel compares only the nearest ones in event time. */
      historySize: z.number().int().min(1).max(100).default(10),
      historyDays: z.number().positive().default(30),
    })
    .prefault({}),
  learning: z
    .object({
      // Entra ID Protection learns for 14 days or 10 logins, whichever comes first.
      days: z.number().positive().default(14),
      logins: z.number().int().positive().default(10),
    })
    .prefault({}),
  device: z
    .object({
      retentionDays: z.number().positive().default(90),
      maxPerUser: z.number().int().positive().default(50),
      /** Countries a user is known in, capped as devices are: the least recently seen goes. */
      maxCountriesPerUser: z.number().int().positive().default(50),
    })
    .prefault({}),
  eventTime: z
    .object({
      /** Client clocks drift; an event further ahead of the processor than this is refused. */
      maxSkewMs: z.number().int().nonnegative().default(300_000),
      /** Older than this is refused; by default the longest Vigil remembers anything (device retention). */
      maxAgeMs: z.number().int().positive().optional(),
    })
    .prefault({}),
  bulk: z
    .object({
      windowMs: tenMinutes,
      recordsThreshold: z.number().int().positive().default(1000),
      baselineMultiplier: z.number().positive().default(10),
      /** The baseline rule waits for this many earlier windows and never fires below this many records. */
      baselineMinSamples: z.number().int().positive().default(5),
      baselineMinRecords: z.number().int().positive().default(200),
      actions: z.array(z.enum(ACCESS_ACTIONS)).default(['export', 'download']),
    })
    .prefault({}),
  rate: z
    .object({
      /**
       * Access events of every action in this window, against the user's own hourly rate: an hour is
       * what the baseline is kept in, so the two compare without scaling.
       */
      windowMs: z.number().int().positive().default(3_600_000),
      /** Of the user's hourly counts, this percentile is their usual rate: robust to a few busy hours. */
      baselinePercentile: z.number().min(50).max(100).default(90),
      multiplier: z.number().positive().default(5),
      /** Never fires under this many events in a window, so a quiet user's ten reads stay quiet. */
      minEvents: z.number().int().positive().default(150),
      /** Fires at this many whatever the baseline, learning or not. */
      maxEvents: z.number().int().positive().default(1500),
      /** Active hours the baseline needs before the baseline rule may fire. */
      baselineMinHours: z.number().int().positive().default(8),
    })
    .prefault({}),
  resources: z
    .object({
      /**
       * Templates that name a family of resources by their shape: a `{name}` stands for one path
       * segment, so `/customers/{id}` turns `/customers/8812` into itself. A resource matching none
       * keeps its path, with segments that are plainly ids (numbers, UUIDs, long hex) replaced by `{id}`.
       */
      patterns: z.array(z.string().min(1)).default([]),
      /** Resources a user is known to reach, the least recently reached forgotten first. */
      maxPerUser: z.number().int().positive().max(500).default(100),
      windowMs: z.number().int().positive().default(3_600_000),
      /** First accesses within the window that make a burst, once past the learning period. */
      newThreshold: z.number().int().positive().default(15),
    })
    .prefault({}),
  risk: z
    .object({
      /** A signal's weight in the user's risk halves every this many hours. */
      halfLifeHours: z.number().positive().default(6),
      /** Signals a user's risk is built from, the newest kept. */
      maxContributions: z.number().int().positive().max(64).default(16),
    })
    .prefault({}),
  failures: z
    .object({
      windowMs: tenMinutes,
      perUserThreshold: z.number().int().positive().default(10),
      mfaThreshold: z.number().int().positive().default(5),
      perIpDistinctUsers: z.number().int().positive().default(20),
    })
    .prefault({}),
});

export const commandsSchema = z.object({
  /**
   * `iss` of every Security Event Token, and the Issuer of the SSF configuration document the ops port
   * serves at `/.well-known/ssf-configuration`: the https address at which receivers reach that port
   * (through a TLS proxy). SSF 1.0 §7.1 requires https; receivers check that the two agree.
   */
  issuer: issuerUrl.default('https://localhost:9464'),
  /** `aud`: the services that enforce revocations and step-ups. */
  audience: z.array(z.string().min(1)).min(1).default(['zero-trust-services']),
  /**
   * `Ed25519` by default; `RS256` for receivers held to the CAEP Interoperability Profile, which
   * requires it. The key, `vigil keygen` and the JWKS follow it.
   */
  algorithm: z
    .enum(SIGNING_ALGORITHMS, {
      error: (issue) =>
        `expected Ed25519 (the default) or RS256 (the CAEP interoperability profile)${
          issue.input === 'EdDSA' ? '; EdDSA is deprecated by RFC 9864 and is now called Ed25519' : ''
        }`,
    })
    .default('Ed25519'),
  /** Private key for that algorithm, PEM; or a file holding it. `vigil keygen` makes one. */
  signingKey: z.string().optional(),
  signingKeyFile: z.string().optional(),
  /**
   * `kid` of the commands; when unset, the id the key has in its JWKS (`jwksFile`), else the key's
   * RFC 7638 thumbprint, the id `vigil keygen` gives it.
   */
  keyId: z.string().min(1).optional(),
  /** The published JWKS, which must hold the signing key; `jwks.json` beside `signingKeyFile` by default. */
  jwksFile: z.string().optional(),
});

/**
 * The Shared Signals Framework 1.0 transmitter on the ops port: receivers create streams with one of
 * these bearer tokens (RFC 6750) and get commands pushed (RFC 8935) or poll for them (RFC 8936).
 * Off while no token is configured.
 */
export const ssfSchema = z.object({
  bearerTokens: z.array(z.string().min(16, { error: 'expected at least 16 characters' })).default([]),
  /** A push is tried this many times, with back-off from 250 ms doubling to 30 s, then given up. */
  pushMaxAttempts: z.number().int().positive().default(8),
  pushTimeoutMs: z.number().int().positive().default(5_000),
});

/** Of a signal and of a page, lowest first. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export const alertingSchema = z.object({
  /** Decisions at or above this severity page on-call; a revocation is always critical. */
  minSeverity: z.enum(SEVERITIES).default('high'),
  /** Every Alertmanager of an HA cluster, as Prometheus does: each gets every alert. */
  alertmanagerUrls: z.array(url).default([]),
  /** For teams without Alertmanager: a JSON POST signed with HMAC-SHA256 over the secret. */
  webhookUrl: url.optional(),
  webhookSecret: z.string().min(16, 'at least 16 characters').optional(),
  /** A repeat for the same user, signal and action within this interval joins the first page. */
  repeatIntervalMs: z
    .number()
    .int()
    .positive()
    .default(4 * 3_600_000),
  /** Where people open Kibana; alerts link to the per-user investigation dashboard there. */
  kibanaUrl: url.default('http://localhost:5601'),
});

export const opsSchema = z.object({
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Serves /metrics, /healthz and /readyz. */
  httpPort: port.default(9464),
  httpHost: z.string().default('0.0.0.0'),
  /** Bounds what slow or half-open clients of that port can hold (see ops/http-server.ts). */
  httpMaxConnections: z.number().int().positive().default(64),
  httpTimeoutMs: z.number().int().positive().default(10_000),
  /** Also redact IP addresses and e-mail addresses from logs. */
  redactPersonalData: z.boolean().default(false),
  /**
   * /healthz fails when a consumer holds work or lags but has not committed for this long, so an
   * orchestrator restarts a process that is up but stuck.
   */
  stallTimeoutMs: z.number().int().positive().default(120_000),
  /**
   * `vigil run` logs one progress line this often (events/s, lag, signals, decisions, dead letters,
   * the slowest stage); 0 turns it off. A minute shows a run moving and is 1,440 lines a day.
   */
  progressIntervalMs: z.number().int().nonnegative().default(60_000),
  /**
   * How long a command waits at start for Kafka, Redis, the search engine and Alertmanager to accept a
   * connection before it exits naming the one that did not; long enough for a server starting beside it.
   */
  startupTimeoutMs: z.number().int().positive().default(15_000),
});

export const configSchema = z.object({
  kafka: kafkaSchema.prefault({}),
  redis: redisSchema.prefault({}),
  search: searchSchema.prefault({}),
  detect: detectSchema.prefault({}),
  commands: commandsSchema.prefault({}),
  ssf: ssfSchema.prefault({}),
  /** YAML/JSON policy mapping signals to actions; the built-in policy when absent. */
  policyFile: z.string().optional(),
  /** A GeoLite2 data folder built by geoip-lite's updater; `vigil run` reloads it on SIGHUP. */
  geoDataDir: geoDataFolder.optional(),
  /**
   * Emitters (the events' `service`) whose `geo` replaces the address's own location. None by
   * default: whoever can send an event can write `geo`, and a claimed location would hide travel.
   */
  trustedGeoServices: z.array(z.string().min(1)).default([]),
  alerting: alertingSchema.prefault({}).refine((alerting) => !alerting.webhookUrl || alerting.webhookSecret, {
    message: 'a webhook needs a secret to sign with',
    path: ['webhookSecret'],
  }),
  ops: opsSchema.prefault({}),
});

export type Config = z.infer<typeof configSchema>;
