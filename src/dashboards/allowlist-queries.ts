/**
 * Allowlist entries still acting, and those ending within the week, picked by their end whatever the
 * time range: Lucene, for its date math in ranges, which Kibana and Grafana both read.
 */
export const ALLOWLIST_ACTIVE_QUERY = 'vigil.allowlist.expires_at:[now TO *]';
export const ALLOWLIST_ENDING_QUERY = 'vigil.allowlist.expires_at:[now TO now+7d]';
