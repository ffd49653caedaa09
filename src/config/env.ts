/** The environment variables Vigil reads, each mapped to one setting of `schema.ts`. */

type Kind = 'string' | 'number' | 'boolean' | 'list';

export interface EnvSetting {
  readonly name: string;
  readonly path: readonly string[];
  readonly kind: Kind;
  readonly secret?: boolean;
}

const setting = (name: string, path: string, kind: Kind = 'string', secret = false): EnvSetting => ({
  name,
  path: path.split('.'),
  kind,
  secret,
});

export const ENV_SETTINGS: readonly EnvSetting[] = [
  setting('VIGIL_KAFKA_BROKERS', 'kafka.brokers', 'list'),
  setting('VIGIL_KAFKA_CLIENT_ID', 'kafka.clientId'),
  setting('VIGIL_KAFKA_GROUP_ID', 'kafka.groupId'),
  setting('VIGIL_INSTANCE_ID', 'kafka.instanceId'),
  setting('VIGIL_KAFKA_SSL', 'kafka.ssl', 'boolean'),
  setting('VIGIL_KAFKA_SASL_MECHANISM', 'kafka.sasl.mechanism'),
  setting('VIGIL_KAFKA_SASL_USERNAME', 'kafka.sasl.username'),
  setting('VIGIL_KAFKA_SASL_PASSWORD', 'kafka.sasl.password', 'string', true),
  setting('VIGIL_KAFKA_MAX_BYTES_PER_PARTITION', 'kafka.maxBytesPerPartition', 'number'),
  setting('VIGIL_KAFKA_PARTITIONS_CONCURRENTLY', 'kafka.partitionsConcurrently', 'number'),
  setting('VIGIL_KAFKA_SESSION_TIMEOUT_MS', 'kafka.sessionTimeoutMs', 'number'),
  setting('VIGIL_KAFKA_HEARTBEAT_INTERVAL_MS', 'kafka.heartbeatIntervalMs', 'number'),
  setting('VIGIL_TOPIC_AUTH', 'kafka.topics.auth'),
  setting('VIGIL_TOPIC_ACCESS', 'kafka.topics.access'),
  setting('VIGIL_TOPIC_COMMANDS', 'kafka.topics.commands'),
  setting('VIGIL_TOPIC_DEAD_LETTER', 'kafka.topics.deadLetter'),
  setting('VIGIL_TOPIC_DOCUMENTS', 'kafka.topics.documents'),
  setting('VIGIL_TOPIC_FEEDBACK', 'kafka.topics.feedback'),
  setting('VIGIL_TOPIC_PARTITIONS', 'kafka.partitions', 'number'),
  setting('VIGIL_TOPIC_REPLICATION_FACTOR', 'kafka.replicationFactor', 'number'),
  setting('VIGIL_REDIS_MODE', 'redis.mode'),
  setting('VIGIL_REDIS_URLS', 'redis.urls', 'list', true),
  setting('VIGIL_REDIS_KEY_PREFIX', 'redis.keyPrefix'),
  setting('VIGIL_REDIS_WAIT_REPLICAS', 'redis.waitReplicas', 'number'),
  setting('VIGIL_REDIS_CACHED_USERS', 'redis.cachedUsers', 'number'),
  setting('VIGIL_CHECKPOINT_INTERVAL_MS', 'redis.checkpointIntervalMs', 'number'),
  setting('VIGIL_REDIS_WAIT_TIMEOUT_MS', 'redis.waitTimeoutMs', 'number'),
  setting('VIGIL_SEARCH_URL', 'search.url', 'string', true),
  setting('VIGIL_SEARCH_ENGINE', 'search.engine'),
  setting('VIGIL_SEARCH_USERNAME', 'search.username'),
  setting('VIGIL_SEARCH_PASSWORD', 'search.password', 'string', true),
  setting('VIGIL_SEARCH_API_KEY', 'search.apiKey', 'string', true),
  setting('VIGIL_SEARCH_INDEX_PREFIX', 'search.indexPrefix'),
  setting('VIGIL_SEARCH_TLS_REJECT_UNAUTHORIZED', 'search.tlsRejectUnauthorized', 'boolean'),
  setting('VIGIL_SEARCH_REPLICAS', 'search.replicas', 'number'),
  setting('VIGIL_TRAVEL_MAX_SPEED_KMH', 'detect.travel.maxSpeedKmh', 'number'),
  setting('VIGIL_TRAVEL_MIN_DISTANCE_KM', 'detect.travel.minDistanceKm', 'number'),
  setting('VIGIL_TRUSTED_NETWORKS', 'detect.travel.trustedNetworks', 'list'),
  setting('VIGIL_LEARNING_DAYS', 'detect.learning.days', 'number'),
  setting('VIGIL_LEARNING_LOGINS', 'detect.learning.logins', 'number'),
  setting('VIGIL_DEVICE_RETENTION_DAYS', 'detect.device.retentionDays', 'number'),
  setting('VIGIL_DEVICE_MAX_PER_USER', 'detect.device.maxPerUser', 'number'),
  setting('VIGIL_COUNTRY_MAX_PER_USER', 'detect.device.maxCountriesPerUser', 'number'),
  setting('VIGIL_EVENT_MAX_SKEW_MS', 'detect.eventTime.maxSkewMs', 'number'),
  setting('VIGIL_EVENT_MAX_AGE_MS', 'detect.eventTime.maxAgeMs', 'number'),
  setting('VIGIL_BULK_WINDOW_MS', 'detect.bulk.windowMs', 'number'),
  setting('VIGIL_BULK_RECORDS_THRESHOLD', 'detect.bulk.recordsThreshold', 'number'),
  setting('VIGIL_BULK_BASELINE_MULTIPLIER', 'detect.bulk.baselineMultiplier', 'number'),
  setting('VIGIL_RATE_WINDOW_MS', 'detect.rate.windowMs', 'number'),
  setting('VIGIL_RATE_MULTIPLIER', 'detect.rate.multiplier', 'number'),
  setting('VIGIL_RATE_MIN_EVENTS', 'detect.rate.minEvents', 'number'),
  setting('VIGIL_RATE_MAX_EVENTS', 'detect.rate.maxEvents', 'number'),
  setting('VIGIL_RESOURCE_PATTERNS', 'detect.resources.patterns', 'list'),
  setting('VIGIL_RESOURCE_MAX_PER_USER', 'detect.resources.maxPerUser', 'number'),
  setting('VIGIL_RESOURCE_WINDOW_MS', 'detect.resources.windowMs', 'number'),
  setting('VIGIL_RESOURCE_NEW_THRESHOLD', 'detect.resources.newThreshold', 'number'),
  setting('VIGIL_RISK_HALF_LIFE_HOURS', 'detect.risk.halfLifeHours', 'number'),
  setting('VIGIL_FAILURE_WINDOW_MS', 'detect.failures.windowMs', 'number'),
  setting('VIGIL_FAILURE_USER_THRESHOLD', 'detect.failures.perUserThreshold', 'number'),
  setting('VIGIL_FAILURE_MFA_THRESHOLD', 'detect.failures.mfaThreshold', 'number'),
  setting('VIGIL_FAILURE_IP_DISTINCT_USERS', 'detect.failures.perIpDistinctUsers', 'number'),
  setting('VIGIL_COMMAND_ISSUER', 'commands.issuer'),
  setting('VIGIL_COMMAND_AUDIENCE', 'commands.audience', 'list'),
  setting('VIGIL_SIGNING_ALGORITHM', 'commands.algorithm'),
  setting('VIGIL_SIGNING_KEY', 'commands.signingKey', 'string', true),
  setting('VIGIL_SIGNING_KEY_FILE', 'commands.signingKeyFile'),
  setting('VIGIL_SIGNING_KEY_ID', 'commands.keyId'),
  setting('VIGIL_JWKS_FILE', 'commands.jwksFile'),
  setting('VIGIL_SSF_BEARER_TOKENS', 'ssf.bearerTokens', 'list', true),
  setting('VIGIL_SSF_PUSH_MAX_ATTEMPTS', 'ssf.pushMaxAttempts', 'number'),
  setting('VIGIL_SSF_PUSH_TIMEOUT_MS', 'ssf.pushTimeoutMs', 'number'),
  setting('VIGIL_POLICY_FILE', 'policyFile'),
  setting('VIGIL_GEO_DATA_DIR', 'geoDataDir'),
  setting('VIGIL_TRUSTED_GEO_SERVICES', 'trustedGeoServices', 'list'),
  setting('VIGIL_ALERT_MIN_SEVERITY', 'alerting.minSeverity'),
  setting('VIGIL_ALERTMANAGER_URLS', 'alerting.alertmanagerUrls', 'list'),
  setting('VIGIL_ALERT_WEBHOOK_URL', 'alerting.webhookUrl', 'string', true),
  setting('VIGIL_ALERT_WEBHOOK_SECRET', 'alerting.webhookSecret', 'string', true),
  setting('VIGIL_ALERT_REPEAT_INTERVAL_MS', 'alerting.repeatIntervalMs', 'number'),
  setting('VIGIL_KIBANA_URL', 'alerting.kibanaUrl'),
  setting('VIGIL_LOG_LEVEL', 'ops.logLevel'),
  setting('VIGIL_HTTP_PORT', 'ops.httpPort', 'number'),
  setting('VIGIL_HTTP_HOST', 'ops.httpHost'),
  setting('VIGIL_HTTP_MAX_CONNECTIONS', 'ops.httpMaxConnections', 'number'),
  setting('VIGIL_HTTP_TIMEOUT_MS', 'ops.httpTimeoutMs', 'number'),
  setting('VIGIL_STALL_TIMEOUT_MS', 'ops.stallTimeoutMs', 'number'),
  setting('VIGIL_STARTUP_TIMEOUT_MS', 'ops.startupTimeoutMs', 'number'),
  setting('VIGIL_PROGRESS_INTERVAL_MS', 'ops.progressIntervalMs', 'number'),
  setting('VIGIL_REDACT_PERSONAL_DATA', 'ops.redactPersonalData', 'boolean'),
];

/** Names the loader reads besides the settings themselves. */
export const CONFIG_FILE_VARIABLE = 'VIGIL_CONFIG_FILE';

/**
 * Converts a raw string to the setting's kind. A value that does not convert is returned as it is,
 * so the schema reports it with the variable's name instead of silently dropping it.
 */
export function convertEnvValue(raw: string, kind: Kind): unknown {
  const value = raw.trim();
  switch (kind) {
    case 'string':
      return value;
    case 'list':
      return value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'number': {
      const parsed = Number(value);
      return value !== '' && Number.isFinite(parsed) ? parsed : value;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(value)) return true;
      if (/^(false|0|no|off)$/i.test(value)) return false;
      return value;
  }
}
