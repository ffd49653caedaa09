/** Kibana saved-object ids that other parts link to; the dashboards are generated with these ids. */
export const KIBANA_IDS = {
  overview: 'vigil-overview',
  investigation: 'vigil-user-investigation',
} as const;

/** Rison, the notation of Kibana's URL state: strings in single quotes, `!` escapes. */
const rison = (text: string) => `'${text.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
/** Percent-encodes what a URL fragment cannot hold, keeping rison's own punctuation readable. */
const fragment = (text: string) =>
  encodeURIComponent(text).replace(/%(28|29|2C|3A|27|21)/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );

/** The per-user investigation dashboard, filtered to the user, over the day before the event. */
export function investigationUrl(kibanaUrl: string, userId: string, occurredAt: string): string {
  const at = Date.parse(occurredAt);
  const from = new Date(at - 86_400_000).toISOString();
  const to = new Date(at + 3_600_000).toISOString();
  const kql = `user.id:"${userId.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const global = `(time:(from:${rison(from)},to:${rison(to)}))`;
  const app = `(query:(language:kuery,query:${rison(kql)}))`;
  return `${kibanaUrl.replace(/\/$/, '')}/app/dashboards#/view/${KIBANA_IDS.investigation}?_g=${fragment(global)}&_a=${fragment(app)}`;
}
