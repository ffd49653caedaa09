import type { AuthView, IpFailureView } from '../state/store.ts';
import type { DetectContext, Signal } from './signal.ts';

/**
 * Bursts of failures, each reported once when a window holding this failure crosses its threshold
 * while no window near it had: failed passwords for one user (brute force), rejected MFA prompts
 * (MFA fatigue), and failed sign-ins for many users from one address or one IPv6 /64 (password
 * spray). Windows are judged around the failure, not only up to it, so a burst is found whichever of
 * its events arrives last, and it fires again only after a quiet window.
 */
export function detectFailureBursts(
  context: DetectContext,
  view: AuthView,
  ipView?: IpFailureView,
  prefixView?: IpFailureView,
): Signal[] {
  const { settings, enriched } = context;
  const failures = settings.failures;
  const minutes = failures.windowMs / 60_000;
  const type = enriched.event.kind === 'auth' ? enriched.event.type : undefined;
  const crosses = (before: number, after: number, threshold: number) =>
    before < threshold && after >= threshold;
  const signals: Signal[] = [];
  if (
    type === 'login_failure' &&
    crosses(view.loginFailuresBefore, view.loginFailures, failures.perUserThreshold)
  ) {
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
  if (type === 'mfa_failure' && crosses(view.mfaFailuresBefore, view.mfaFailures, failures.mfaThreshold)) {
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
  const address = ipView && crosses(ipView.usersBefore, ipView.users, limit) ? ipView : undefined;
  const prefix =
    prefixView && crosses(prefixView.usersBefore, prefixView.users, limit) ? prefixView : undefined;
  const spray = address ?? prefix;
  if (spray) {
    const source = address ? enriched.ip : `${enriched.ip}'s /64`;
    signals.push({
      type: 'password_spray',
      severity: 'high',
      score: 0.6,
      summary: `failed sign-ins for ${spray.users} users from ${source} in ${minutes} min`,
      evidence: {
        ip: enriched.ip,
        users: ipView?.users ?? 0,
        ...(prefixView && { prefix64Users: prefixView.users }),
        sampleUsers: spray.sampleUsers,
        windowMinutes: minutes,
        threshold: limit,
        scope: address ? 'address' : 'prefix64',
      },
    });
  }
  return signals;
}
