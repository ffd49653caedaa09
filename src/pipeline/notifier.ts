import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../config/index.ts';
import type { Logger } from '../ops/logger.ts';
import type { AlertMetrics, AlertSkipReason } from '../ops/metrics.ts';
import { alertOf, type Alert } from '../sinks/alerts/alert.ts';
import { postToAlertmanagers } from '../sinks/alerts/alertmanager.ts';
import type { PageLedger } from '../sinks/alerts/page-ledger.ts';
import { postWebhook } from '../sinks/alerts/webhook.ts';
import { verifySecurityEvent } from '../sinks/commands/security-event.ts';
import type { PublicJwk } from '../sinks/commands/signing.ts';
import { consumerTimeouts, groupMembership, heartbeating, nextOffset } from './kafka.ts';
import { Progress } from '../ops/progress.ts';
import { batchRetry, StoppedError } from './retry.ts';

export interface NotifierParts {
  readonly kafka: Kafka;
  readonly config: Config;
  /** Vigil's own public key: only commands it signed page anyone. */
  readonly jwks: { keys: readonly PublicJwk[] };
  /** Needed with a webhook, which does not group repeats by itself. */
  readonly ledger?: PageLedger;
  readonly metrics: AlertMetrics;
  readonly logger: Logger;
}

/**
 * Pages on-call from the committed commands, in a consumer group of its own: a slow or absent pager
 * never holds back a revocation. Offsets move after delivery, so a crash re-sends rather than loses;
 * Alertmanager merges a re-sent alert, and the page ledger keeps the webhook from paging twice.
 */
export class AlertNotifier {
  readonly #parts: NotifierParts;
  readonly #consumer: Consumer;
  readonly #inGroup: () => boolean;
  readonly #progress = new Progress();
  #stopping = false;

  constructor(parts: NotifierParts) {
    this.#parts = parts;
    this.#consumer = parts.kafka.consumer({
      groupId: `${parts.config.kafka.groupId}-alerts`,
      ...consumerTimeouts(parts.config.kafka),
      readUncommitted: false,
    });
    this.#inGroup = groupMembership(this.#consumer);
  }

  get progress(): Progress {
    return this.#progress;
  }

  get ready(): boolean {
    return this.#inGroup() && !this.#stopping && this.#progress.failure === undefined;
  }

  async start(): Promise<void> {
    const consumer = this.#consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.#parts.config.kafka.topics.commands], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: (payload) =>
        this.#progress.holding(() =>
          heartbeating(payload, this.#parts.config.kafka.heartbeatIntervalMs, () => this.#handle(payload)),
        ),
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer.disconnect();
  }

  async #handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const { config, ledger, metrics, logger } = this.#parts;
    const { alertmanagerUrls, webhookUrl, webhookSecret } = config.alerting;
    const retry = batchRetry(payload, metrics, logger, 'the alerts');
    try {
      const alerts = batch.messages.flatMap((message) => this.#alertOf(message) ?? []);
      if (alertmanagerUrls.length) {
        await retry('alertmanager', () => postToAlertmanagers(alertmanagerUrls, alerts));
        metrics.alert('alertmanager', 'sent', alerts.length);
      }
      if (webhookUrl && webhookSecret && ledger) {
        for (const alert of alerts) {
          const turn = await retry('state', () => ledger.turn(alert));
          if (turn === 'repeat') {
            metrics.alert('webhook', 'grouped');
            continue;
          }
          await retry('webhook', () => postWebhook(webhookUrl, webhookSecret, alert));
          metrics.alert('webhook', 'sent');
        }
      }
      try {
        await this.#consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: nextOffset(batch) },
        ]);
        this.#progress.committed();
        this.#progress.lag(batch.topic, batch.partition, Number(batch.offsetLag()));
      } catch (error) {
        this.#progress.failed(error instanceof Error ? error.message : String(error));
        throw error;
      }
    } catch (error) {
      if (error instanceof StoppedError) return;
      throw error;
    }
  }

  #alertOf(message: KafkaMessage): Alert | undefined {
    const { config, jwks, metrics, logger } = this.#parts;
    let page: Page;
    try {
      page = pageOf(message, config, jwks, Date.now());
    } catch (error) {
      // Kafka hands a failed batch over again, so one command that cannot be read would stop paging
      // for its whole partition: it is counted and passed over like any other bad command.
      page = {
        skipped: 'malformed',
        code: 'unreadable',
        reason: error instanceof Error ? error.message : String(error),
      };
    }
    if ('alert' in page) return page.alert;
    metrics.alertSkipped(page.skipped);
    if (page.reason !== undefined) {
      logger.error(
        { offset: message.offset, skipped: page.skipped, code: page.code, reason: page.reason },
        'command unreadable or unverified; not paging',
      );
    }
    return undefined;
  }
}

/** A command's page, or why there is none; `code` and `reason` say what verification refused. */
export type Page =
  | { readonly alert: Alert }
  | { readonly skipped: AlertSkipReason; readonly code?: string; readonly reason?: string };

/** The page for one message of the commands topic, read as anything at all may be on it. */
export function pageOf(
  message: Pick<KafkaMessage, 'timestamp' | 'value'>,
  config: Pick<Config, 'alerting' | 'commands'>,
  jwks: { keys: readonly PublicJwk[] },
  nowMs: number,
): Page {
  const timestampMs = Number(message.timestamp);
  const producedMs = Number.isFinite(timestampMs) ? timestampMs : nowMs;
  // Switching alerting on over an old command topic must not page its whole history.
  if (nowMs - producedMs > config.alerting.repeatIntervalMs) return { skipped: 'stale' };
  const check = verifySecurityEvent(message.value?.toString() ?? '', jwks, {
    issuer: config.commands.issuer,
    audience: config.commands.audience[0]!,
    nowMs: producedMs,
  });
  if (!check.ok) {
    const skipped = check.code === 'malformed' ? 'malformed' : 'unverified';
    return { skipped, code: check.code, reason: check.reason };
  }
  const alert = alertOf(check.claims, config.alerting, nowMs);
  return alert ? { alert } : { skipped: 'below_severity' };
}
