import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../ops/logger.ts';
import type { SsfMetrics } from '../../ops/metrics.ts';
import { EVENTS_SUPPORTED, ownerOf, type SsfTransmitter } from './transmitter.ts';
import {
  POLL_DELIVERY,
  publicStream,
  PUSH_DELIVERY,
  STREAM_STATUSES,
  type Stream,
  type StreamStore,
} from './streams.ts';

/** Where the stream management API lives on the ops port, under the Issuer's origin. */
export const SSF_PATHS = {
  streams: '/ssf/streams',
  status: '/ssf/status',
  verify: '/ssf/verify',
  addSubject: '/ssf/subjects/add',
  removeSubject: '/ssf/subjects/remove',
  poll: '/ssf/poll/',
} as const;

export interface SsfApiParts {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly bearerTokens: readonly string[];
  readonly streams: StreamStore;
  readonly transmitter: SsfTransmitter;
  readonly logger: Logger;
  readonly metrics: SsfMetrics;
}

/** The members of the configuration document that lead receivers to the API (SSF 1.0 §7.1). */
export function ssfEndpoints(issuer: string) {
  const at = (path: string) => new URL(path, issuer).href;
  return {
    delivery_methods_supported: [PUSH_DELIVERY, POLL_DELIVERY],
    configuration_endpoint: at(SSF_PATHS.streams),
    status_endpoint: at(SSF_PATHS.status),
    verification_endpoint: at(SSF_PATHS.verify),
    add_subject_endpoint: at(SSF_PATHS.addSubject),
    remove_subject_endpoint: at(SSF_PATHS.removeSubject),
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6750' }],
  };
}

const MAX_BODY_BYTES = 64 * 1024;
/** RFC 8936 §2.4: a poll waits for events at most this long, within the ops port's request timeout. */
const LONG_POLL_MS = 5_000;

const delivery = z.discriminatedUnion('method', [
  z.object({
    method: z.literal(PUSH_DELIVERY),
    endpoint_url: z.url({ protocol: /^https?$/ }),
    authorization_header: z.string().max(4096).optional(),
  }),
  z.object({ method: z.literal(POLL_DELIVERY), endpoint_url: z.string().optional() }),
]);
const streamRequest = z.object({
  stream_id: z.string().optional(),
  delivery: delivery.optional(),
  events_requested: z.array(z.string()).optional(),
  description: z.string().max(1024).optional(),
});
const statusRequest = z.object({
  stream_id: z.string(),
  status: z.enum(STREAM_STATUSES),
  reason: z.string().max(1024).optional(),
});
/** RFC 9493: a subject identifier names its format; a complex one holds simple ones. */
const subjectIdentifier = z
  .object({ format: z.string().min(1).max(64) })
  .catchall(z.unknown())
  .refine((subject) => JSON.stringify(subject).length <= 2048, 'too large');
const subjectRequest = z.object({
  stream_id: z.string(),
  subject: subjectIdentifier,
  verified: z.boolean().optional(),
});
const verifyRequest = z.object({ stream_id: z.string(), state: z.string().max(1024).optional() });
const pollRequest = z.object({
  ack: z.array(z.string()).default([]),
  setErrs: z
    .record(z.string(), z.object({ err: z.string(), description: z.string().optional() }))
    .default({}),
  maxEvents: z.number().int().nonnegative().max(1000).default(100),
  returnImmediately: z.boolean().default(false),
});

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, 'request too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'the body is not JSON'));
      }
    });
    request.on('error', reject);
  });
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  throw new HttpError(400, problems.slice(0, 5).join('; '));
}

/**
 * The stream management API of SSF 1.0 §8 (create, read, update, replace, delete; status;
 * verification) and the poll endpoint of RFC 8936, for receivers holding one of the configured bearer
 * tokens. Each receiver sees only the streams it created.
 */
export function ssfHandler(parts: SsfApiParts) {
  const tokens = parts.bearerTokens.map((token) => Buffer.from(token));
  const ownerOfRequest = (request: IncomingMessage): string => {
    const presented = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const bytes = presented && Buffer.from(presented);
    if (!bytes || !tokens.some((token) => token.length === bytes.length && timingSafeEqual(token, bytes)))
      throw new HttpError(401, 'a valid bearer token is required');
    return ownerOf(presented);
  };

  async function ownStream(owner: string, streamId: string | null | undefined): Promise<Stream> {
    const stream = streamId ? await parts.streams.get(streamId) : undefined;
    if (!stream || stream.owner !== owner) throw new HttpError(404, 'no such stream');
    return stream;
  }

  const eventsDelivered = (requested: readonly string[]) =>
    EVENTS_SUPPORTED.filter((type) => requested.includes(type));

  function streamFrom(owner: string, body: z.infer<typeof streamRequest>, previous?: Stream): Stream {
    const streamId = previous?.stream_id ?? randomUUID();
    const wanted = body.delivery ?? previous?.delivery;
    if (!wanted) throw new HttpError(400, 'delivery: required');
    const requested = body.events_requested ?? previous?.events_requested ?? [...EVENTS_SUPPORTED];
    return {
      stream_id: streamId,
      iss: parts.issuer,
      aud: parts.audience.length === 1 ? parts.audience[0]! : [...parts.audience],
      delivery:
        wanted.method === POLL_DELIVERY
          ? {
              method: POLL_DELIVERY,
              endpoint_url: new URL(`${SSF_PATHS.poll}${streamId}`, parts.issuer).href,
            }
          : {
              method: PUSH_DELIVERY,
              endpoint_url: wanted.endpoint_url!,
              ...('authorization_header' in wanted &&
                wanted.authorization_header && { authorization_header: wanted.authorization_header }),
            },
      events_supported: [...EVENTS_SUPPORTED],
      events_requested: requested,
      events_delivered: eventsDelivered(requested),
      ...((body.description ?? previous?.description) && {
        description: body.description ?? previous?.description,
      }),
      status: previous?.status ?? 'enabled',
      owner,
    };
  }

  async function route(request: IncomingMessage, url: URL, send: (status: number, body?: object) => void) {
    const owner = ownerOfRequest(request);
    const method = request.method ?? 'GET';
    const { streams } = parts;
    if (url.pathname === SSF_PATHS.streams) {
      if (method === 'GET') {
        const id = url.searchParams.get('stream_id');
        if (id) return send(200, publicStream(await ownStream(owner, id)));
        return send(200, (await streams.all()).filter((s) => s.owner === owner).map(publicStream));
      }
      if (method === 'POST') {
        const stream = streamFrom(owner, parse(streamRequest, await readBody(request)));
        await streams.put(stream);
        parts.transmitter.track([stream]);
        parts.logger.info({ stream: stream.stream_id, method: stream.delivery.method }, 'SSF stream created');
        return send(201, publicStream(stream));
      }
      if (method === 'PATCH' || method === 'PUT') {
        const body = parse(streamRequest, await readBody(request));
        const previous = await ownStream(owner, body.stream_id);
        // PUT replaces: what it leaves out returns to its default; PATCH keeps it.
        const stream = streamFrom(
          owner,
          body,
          method === 'PUT' ? { ...previous, events_requested: [...EVENTS_SUPPORTED] } : previous,
        );
        await streams.put(stream);
        return send(200, publicStream(stream));
      }
      if (method === 'DELETE') {
        const stream = await ownStream(owner, url.searchParams.get('stream_id'));
        await streams.delete(stream.stream_id);
        parts.transmitter.forget(stream);
        return send(204);
      }
      throw new HttpError(405, 'method not allowed');
    }
    if (url.pathname === SSF_PATHS.status) {
      if (method === 'GET') {
        const stream = await ownStream(owner, url.searchParams.get('stream_id'));
        return send(200, {
          stream_id: stream.stream_id,
          status: stream.status,
          ...(stream.reason && { reason: stream.reason }),
        });
      }
      if (method === 'POST') {
        const body = parse(statusRequest, await readBody(request));
        const stream = await ownStream(owner, body.stream_id);
        const { reason: _reason, ...rest } = stream;
        await streams.put({ ...rest, status: body.status, ...(body.reason && { reason: body.reason }) });
        return send(200, {
          stream_id: stream.stream_id,
          status: body.status,
          ...(body.reason && { reason: body.reason }),
        });
      }
      throw new HttpError(405, 'method not allowed');
    }
    if (url.pathname === SSF_PATHS.verify && method === 'POST') {
      const body = parse(verifyRequest, await readBody(request));
      await parts.transmitter.verify(await ownStream(owner, body.stream_id), body.state);
      return send(204);
    }
    // SSF 1.0 §8.1.3: adding a subject narrows the stream to its subjects; see StreamStore.subjects.
    if (url.pathname === SSF_PATHS.addSubject && method === 'POST') {
      const body = parse(subjectRequest, await readBody(request));
      const stream = await ownStream(owner, body.stream_id);
      await streams.addSubject(stream.stream_id, body.subject);
      return send(200);
    }
    if (url.pathname === SSF_PATHS.removeSubject && method === 'POST') {
      const body = parse(subjectRequest, await readBody(request));
      const stream = await ownStream(owner, body.stream_id);
      if (!(await streams.removeSubject(stream.stream_id, body.subject)))
        throw new HttpError(404, 'the stream has no such subject');
      return send(204);
    }
    if (url.pathname.startsWith(SSF_PATHS.poll) && method === 'POST') {
      const stream = await ownStream(owner, decodeURIComponent(url.pathname.slice(SSF_PATHS.poll.length)));
      if (stream.delivery.method !== POLL_DELIVERY) throw new HttpError(400, 'not a poll stream');
      const body = parse(pollRequest, await readBody(request));
      parts.metrics.ssfPoll(stream.stream_id);
      const refused = Object.entries(body.setErrs);
      for (const [jti, { err, description }] of refused)
        parts.logger.warn(
          { stream: stream.stream_id, jti, err, description },
          'SSF receiver refused an event',
        );
      await streams.remove(stream.stream_id, [...body.ack, ...refused.map(([jti]) => jti)]);
      const deadline = Date.now() + LONG_POLL_MS;
      for (;;) {
        const batch = await streams.peek(stream.stream_id, body.maxEvents);
        const empty = Object.keys(batch.sets).length === 0;
        if (
          !empty ||
          body.returnImmediately ||
          body.maxEvents === 0 ||
          Date.now() >= deadline ||
          request.destroyed
        )
          return send(200, batch);
        // Woken at once by a delivery in this process; other processes' are seen within 250 ms.
        await parts.transmitter.waitForPollable(Math.min(250, deadline - Date.now()));
      }
    }
    throw new HttpError(404, 'not found');
  }

  /** Answers the request if it is for the SSF API, and says whether it was. */
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? '/', 'http://ops');
    if (!url.pathname.startsWith('/ssf/')) return false;
    const send = (status: number, body?: object) => {
      if (response.headersSent) return;
      response.writeHead(
        status,
        body ? { 'content-type': 'application/json', 'cache-control': 'no-store' } : {},
      );
      response.end(body ? JSON.stringify(body) : undefined);
    };
    route(request, url, send).catch((error: unknown) => {
      if (error instanceof HttpError) {
        if (error.status === 401) response.setHeader('www-authenticate', 'Bearer');
        return send(error.status, {
          err: error.status === 401 ? 'authentication_failed' : 'invalid_request',
          description: error.message,
        });
      }
      parts.logger.error({ err: (error as Error).message }, 'SSF request failed');
      send(500, { err: 'internal', description: 'the request could not be completed' });
    });
    return true;
  };
}
