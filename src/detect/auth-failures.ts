import type { AuthView, IpFailureView } from '../state/store.ts';
import type { DetectContext, Signal } from './signal.ts';

/**
 * Bursts of failures, each reported once when its count reaches the threshold within the window:
 * failed passwords for one user (brute force), rejected MFA prompts (MFA fatigue), and failed
 * sign-ins for many users from one address (password spray).
 */
export function detectFailureBursts(
  context: DetectContext,
  view: AuthView,
  ipView?: IpFailureView,
): Signal[] {
  const { settings, enriched } = context;
  const failures = settings.failures;
  const minutes = failures.windowMs / 60_000;
  const type = enriched.event.kind === 'auth' ? enriched.event.type : undefined;
  const signals: Signal[] = [];
  if (type === 'login_failure' && view.loginFailures === failures.perUserThreshold) {
    signals.push({
      type: 'brute_force',
      severity: 'high',
      score: 0.6,
      summary: `${view.loginFailures} failed logins in ${minutes} min`,
      evidence: {
        failures: view.loginFailures,
        windowMinutes: minutes,
        threshold: failures.perUserThreshold,
        ip: enriched.ip,
      },
    });
  }
  if (type === 'mfa_failure' && view.mfaFailures === failures.mfaThreshold) {
    signals.push({
      type: 'mfa_fatigue',
      severity: 'high',
      score: 0.7,
      summary: `${view.mfaFailures} rejected MFA challenges in ${minutes} min`,
      evidence: {
        failures: view.mfaFailures,
        windowMinutes: minutes,
        threshold: failures.mfaThreshold,
        ip: enriched.ip,
      },
    });
  }
  const limit = failures.perIpDistinctUsers;
  if (ipView && ipView.usersBefore < limit && ipView.users >= limit) {
    signals.push({
      type: 'password_spray',
      severity: 'high',
      score: 0.6,
      summary: `failed sign-ins for ${ipView.users} users from ${enriched.ip} in ${minutes} min`,
      evidence: {
        ip: enriched.ip,
        users: ipView.users,
        sampleUsers: ipView.sampleUsers,
        windowMinutes: minutes,
        threshold: limit,
      },
    });
  }
  return signals;
}
