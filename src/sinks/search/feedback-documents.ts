import type { FeedbackOutcome } from '../../pipeline/engine.ts';
import { allowExpiresMs, type Feedback } from '../../feedback/schema.ts';
import { decisionDocument, signalDocument, type Common, type SearchDocument } from './documents.ts';
import { ALERT_CATEGORY, ECS_VERSION, type VerdictFields } from './ecs.ts';
import { indexName } from './templates.ts';

/**
 * The documents an applied verdict writes: the verdict itself (which also marks the decision it judges
 * with its status, so Kibana shows each case's), the allowlist entry a benign one created, and the
 * revocation a confirmed one called for. Ids follow from the verdict, so a redone batch rewrites them.
 */
export function feedbackDocumentsOf(outcome: FeedbackOutcome, prefix: string): SearchDocument[] {
  // A verdict sent again writes the same documents under the same ids: nothing new.
  if (outcome.status === 'rejected') return [];
  const { feedback, key } = outcome;
  const at = new Date(feedback.occurred_at).toISOString();
  const common: Common = {
    ecs: { version: ECS_VERSION },
    user: { id: feedback.user_id, name: feedback.user_id },
  };
  const verdict: VerdictFields = {
    id: feedback.feedback_id,
    status: feedback.verdict,
    analyst: feedback.analyst,
    reason: feedback.reason,
    at,
    decision_id: feedback.decision_id,
  };
  const documents: SearchDocument[] = [
    {
      kind: 'verdicts',
      index: indexName(prefix, 'verdicts', at),
      id: key,
      body: {
        '@timestamp': at,
        message: `${feedback.verdict} by ${feedback.analyst}: ${feedback.reason}`,
        ...common,
        event: {
          id: key,
          kind: 'event',
          category: [ALERT_CATEGORY],
          type: ['info'],
          action: `verdict_${feedback.verdict}`,
          dataset: 'vigil.verdicts',
        },
        vigil: { event_id: feedback.feedback_id, verdict },
      },
      annotates: { index: `${prefix}-decisions-*`, id: feedback.decision_id, at, vigil: { verdict } },
    },
  ];
  const entry = feedback.allowlist;
  const expiresMs = allowExpiresMs(feedback);
  if (entry && expiresMs !== undefined) {
    const expiresAt = new Date(expiresMs).toISOString();
    documents.push({
      kind: 'allowlist',
      index: indexName(prefix, 'allowlist', at),
      id: key,
      body: {
        '@timestamp': at,
        message: `${scopeOf(entry)} allowlisted by ${feedback.analyst} until ${expiresAt}: ${feedback.reason}`,
        ...common,
        event: {
          id: key,
          kind: 'event',
          category: ['configuration'],
          type: ['creation'],
          action: 'allowlist_entry',
          dataset: 'vigil.allowlist',
        },
        vigil: {
          event_id: feedback.feedback_id,
          verdict,
          allowlist: {
            id: feedback.feedback_id,
            scope: entry.scope,
            signals: entry.signals ?? [],
            ...(entry.network && { network: entry.network }),
            ...(entry.group && { group: entry.group }),
            owner: feedback.analyst,
            reason: feedback.reason,
            expires_at: expiresAt,
          },
        },
      },
    });
  }
  const revocation = outcome.decision;
  if (revocation) {
    for (const signal of revocation.signals) documents.push(signalDocument(signal, common, prefix));
    documents.push(decisionDocument(revocation, common, prefix));
  }
  return documents;
}

const scopeOf = (entry: NonNullable<Feedback['allowlist']>) =>
  entry.group
    ? `every user of group ${entry.group}`
    : entry.network
      ? `the user from ${entry.network}`
      : 'the user';
