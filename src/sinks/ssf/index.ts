import type { Kafka } from 'kafkajs';
import type { Cluster, Redis } from 'ioredis';
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../ops/logger.ts';
import type { SsfMetrics } from '../../ops/metrics.ts';
import type { SigningKey } from '../commands/signing.ts';
import { ssfHandler, ssfEndpoints } from './api.ts';
import { StreamStore } from './streams.ts';
import { SsfTransmitter } from './transmitter.ts';

export { ssfEndpoints };

/** The SSF transmitter and its HTTP API, with streams kept in Redis under Vigil's key prefix. */
export function ssfTransmitter(
  kafka: Kafka,
  config: Config,
  redis: Redis | Cluster,
  signingKey: SigningKey,
  logger: Logger,
  metrics: SsfMetrics,
) {
  const streams = new StreamStore(redis, config.redis.keyPrefix);
  const transmitter = new SsfTransmitter({ kafka, config, streams, signingKey, logger, metrics });
  const handler = ssfHandler({
    issuer: config.commands.issuer,
    audience: config.commands.audience,
    bearerTokens: config.ssf.bearerTokens,
    streams,
    transmitter,
    logger,
    metrics,
  });
  return { transmitter, handler };
}
