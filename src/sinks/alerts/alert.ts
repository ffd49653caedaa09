import { investigationUrl } from '../../dashboards/links.ts';
import { withoutSecrets } from '../../config/redact.ts';
import { SEVERITIES } from '../../config/schema.ts';
import { decisionSeverity } from '../../decide/decide.ts';
import type { Severity } from '../../detect/signal.ts';
import type { SecurityEventClaims } from '../commands/schema.ts';

/** An alert as Alertmanager's v2 API takes it; the webhook sends the same shape. */
export interface Alert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

export interface AlertSettings {
  readonly minSeverity: Severity;
  readonly repeatIntervalMs: number;
  readonly kibanaUrl: string;
}

export const ALERT_NAME = 'VigilRiskDecision';

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

/**
 * The page for a command, or nothing when it is below the configured severity. Labels name the
 * episode (user, leading signal, action) and nothing that differs between its repeats, so a repeat
 * is the same alert to Alertmanager and joins the first page instead of raising a second one.
 */
export function alertOf(
  claims: SecurityEventClaims,
  settings: AlertSettings,
  nowMs: number,
): Alert | undefined {
  const [event] = Object.values(claims.events);
  const decision = event!.vigil_decision;
  const signals = [...decision.signals].sort(
    (a, b) => rank(b.severity) - rank(a.severity) || b.score - a.score || a.type.localeCompare(b.type),
  );
  const leading = signals[0]!;
  const severity = decisionSeverity(decision.action, signals);
  if (rank(severity) < rank(settings.minSeverity)) return undefined;

  const user = claims.sub_id.user.id;
  // The page is about the sign-in or access that raised the risk, not the moment Vigil acted on it.
  const occurredAt = new Date(decision.event_occurred_at).toISOString();
  // Pages are read in chat and mail: the link never carries Kibana credentials from the setting.
  const link = investigationUrl(withoutSecrets(settings.kibanaUrl), user, occurredAt);
  const done = decision.action === 'revoke_sessions' ? 'sessions revoked' : 'step-up required';
  return {
    labels: { alertname: ALERT_NAME, severity, signal: leading.type, user, action: decision.action },
    annotations: {
      summary: `${user}: ${leading.summary} (${done})`,
      description: signals
        .map((signal) => `${signal.type} (${signal.severity}): ${signal.summary}`)
        .join('\n'),
      evidence: JSON.stringify(
        signals.map(({ type, severity, score, evidence }) => ({ type, severity, score, evidence })),
      ),
      risk: decision.risk.toFixed(2),
      decision_id: claims.jti,
      event_id: decision.event_id,
      occurred_at: occurredAt,
      ...(decision.event_session_id && { session_id: decision.event_session_id }),
      investigation_url: link,
    },
    startsAt: occurredAt,
    // An episode stays open for the repeat interval after its latest decision; repeats extend it.
    endsAt: new Date(Math.max(nowMs, Date.parse(occurredAt)) + settings.repeatIntervalMs).toISOString(),
    generatorURL: link,
  };
}
