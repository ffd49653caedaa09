/**
 * Secrets that travel inside URLs: `user:password@` and parameters named like a credential
 * (`?password=`, `&token=`, `?api_key=`, `#access_token=`). Config errors, `vigil config`, the
 * start-up line, retry logs and alert links all hide them through this one module, so they hide the
 * same things.
 */

export const REDACTED = '[redacted]';

// Up to the last `@` before the path: WHATWG URL parsing lets a password hold an unescaped `@` too.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s"'<>]*@/gi;
const SECRET_NAME = /pass|pwd|token|secret|key|auth|sig|credential|session/i;
const PARAMETER = /([?&#;]([^=&#\s"'<>?]*)=)([^&#\s"'<>]*)/g;

/** Any text (a URL, an error message, a stack) with URL credentials and secret parameters masked. */
export function redactSecrets(text: string): string {
  return text
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(PARAMETER, (whole, head: string, name: string, value: string) =>
      value !== '' && SECRET_NAME.test(name) ? `${head}${REDACTED}` : whole,
    );
}

/**
 * Every string inside a value (a serialized error, a log field) passed through `redactSecrets`. Errors
 * of client libraries hold whole connection objects, so cycles and byte buffers are left as they are.
 */
export function redactStrings(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value instanceof URL) return redactSecrets(value.href);
  if (typeof value !== 'object' || value === null || seen.has(value) || ArrayBuffer.isView(value))
    return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, seen)]));
}

// A webhook URL often carries its own token (Slack, Teams), so it is a secret as a whole.
const SECRET_KEYS = new Set([
  'password',
  'apiKey',
  'signingKey',
  'privateKey',
  'webhookUrl',
  'webhookSecret',
]);

/** The configuration as it may be printed or logged: secrets replaced, URLs' credentials masked. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (SECRET_KEYS.has(key) && value !== undefined) return REDACTED;
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map((item) => redactConfig(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}

/**
 * A URL to hand to people (an alert's link): credentials and secret parameters removed rather than
 * masked, since whoever follows it signs in for themselves.
 */
export function withoutSecrets(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()])
    if (SECRET_NAME.test(name)) parsed.searchParams.delete(name);
  // The base is joined with paths later (`…/app/dashboards`); keep it as it was written.
  const text = parsed.toString();
  return url.endsWith('/') || !text.endsWith('/') ? text : text.slice(0, -1);
}

/**
 * A URL to send a request to, with its `user:password@` moved into a Basic `authorization` header:
 * fetch refuses URLs with credentials (and names the URL in its error).
 */
export function basicAuthOf(url: string): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  const credentials = `${decode(parsed.username)}:${decode(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

const decode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray `%` that escapes nothing is part of the password
  }
};
