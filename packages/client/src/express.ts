import type { AccessEventInput, Emitter } from './emitter.ts';
import type { Enforcer } from './enforcer.ts';

/**
 * The parts of a request and a response the middlewares use. Express's types fit them, and so do
 * other Connect-style frameworks', without this package depending on any of them.
 */
export interface HttpRequest {
  readonly method: string;
  readonly ip?: string | undefined;
  readonly baseUrl?: string;
  /** The matched route; Express sets it once routing has found one. */
  readonly route?: { readonly path?: unknown } | undefined;
  readonly socket?: { readonly remoteAddress?: string | undefined };
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}
export interface HttpResponse {
  statusCode: number;
  readonly locals?: Record<string, unknown>;
  on(event: 'finish', listener: () => void): unknown;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}
export type Next = (error?: unknown) => void;
export type Middleware = (request: HttpRequest, response: HttpResponse, next: Next) => void;

/** Who makes a request, as the service's own authentication knows. */
export interface Identity {
  readonly userId: string;
  readonly sessionId?: string;
  readonly deviceId?: string;
  /** When the session began; lets a user who signs in afresh after a revocation back in. */
  readonly sessionStartedAt?: number | Date;
}

type Action = AccessEventInput['action'];

/** What a method does: reads read, DELETE deletes, anything else writes. */
const ACTIONS: Record<string, Action> = { GET: 'read', HEAD: 'read', OPTIONS: 'read', DELETE: 'delete' };
const actionOf = (request: HttpRequest): Action => ACTIONS[request.method.toUpperCase()] ?? 'write';

/** The route pattern (`/patients/:id`), never the path: the resource is what was read, not which row. */
function routeOf(request: HttpRequest): string | undefined {
  const path = request.route?.path;
  if (typeof path !== 'string') return undefined;
  return `${request.baseUrl ?? ''}${path}` || '/';
}

const header = (request: HttpRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export interface AccessEventsOptions {
  /** The authenticated user of the request, or nothing for an anonymous one (not reported). */
  readonly identify: (request: HttpRequest) => Identity | undefined;
  /** Records the response carried; `res.locals.vigilRecords` or 0 by default. */
  readonly records?: (request: HttpRequest, response: HttpResponse) => number;
  readonly action?: (request: HttpRequest) => Action;
  /** Told when an event could not be sent (the request itself has been answered already). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Reports every answered request of a signed-in user as an access event: the action from the method,
 * the resource from the route pattern, the user's address and user agent. Requests that matched no
 * route are not reported: their raw paths would be as many resources as a scanner cares to invent.
 */
export function accessEvents(emitter: Emitter, options: AccessEventsOptions): Middleware {
  const records =
    options.records ??
    ((_request: HttpRequest, response: HttpResponse) => {
      const value = response.locals?.vigilRecords;
      return typeof value === 'number' ? value : 0;
    });
  return (request, response, next) => {
    response.on('finish', () => {
      const who = options.identify(request);
      const resource = routeOf(request);
      const ip = request.ip ?? request.socket?.remoteAddress;
      if (!who || !resource || !ip) return;
      const userAgent = header(request, 'user-agent');
      try {
        emitter
          .access({
            user_id: who.userId,
            ip: ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''),
            action: (options.action ?? actionOf)(request),
            resource,
            records: records(request, response),
            ...(who.sessionId && { session_id: who.sessionId }),
            ...(who.deviceId && { device_id: who.deviceId }),
            ...(userAgent && { user_agent: userAgent.slice(0, 2048) }),
          })
          .catch((error: unknown) => options.onError?.(error));
      } catch (error) {
        options.onError?.(error);
      }
    });
    next();
  };
}

export interface EnforceOptions {
  readonly identify: (request: HttpRequest) => Identity | undefined;
  /** `acr_values` of the step-up challenge (RFC 9470); `mfa` by default. */
  readonly acrValues?: string;
}

const quoted = (text: string) => `"${text.replace(/["\\]/g, '')}"`;

/**
 * Answers 401 for a revoked session (`invalid_token`), and 401 with a step-up challenge for a session
 * that must authenticate again with more factors (RFC 9470 `insufficient_user_authentication`, naming
 * the `acr_values` it wants); otherwise passes the request on. Answered from memory, never waiting.
 */
export function enforceSessions(enforcer: Enforcer, options: EnforceOptions): Middleware {
  const acrValues = options.acrValues ?? 'mfa';
  return (request, response, next) => {
    const who = options.identify(request);
    if (!who?.sessionId) return next();
    const deny = (challenge: string, error: string, description: string) => {
      response.statusCode = 401;
      response.setHeader('www-authenticate', challenge);
      response.setHeader('content-type', 'application/json');
      response.setHeader('cache-control', 'no-store');
      response.end(JSON.stringify({ error, error_description: description }));
    };
    if (enforcer.isSessionRevoked(who.sessionId, who.userId, who.sessionStartedAt))
      return deny(
        `Bearer error="invalid_token", error_description="session revoked"`,
        'session_revoked',
        'This session has been ended; sign in again.',
      );
    if (enforcer.stepUpRequired(who.userId, who.sessionId, who.sessionStartedAt))
      return deny(
        `Bearer error="insufficient_user_authentication", error_description="multi-factor authentication required", acr_values=${quoted(acrValues)}`,
        'mfa_required',
        'Confirm it is you with multi-factor authentication.',
      );
    next();
  };
}
