import type { IncomingMessage, ServerResponse } from 'node:http';
import { VigilClientError } from './errors.ts';
import type { SetRejection } from './verifier.ts';

export const PUSH_DELIVERY = 'urn:ietf:rfc:8935';
export const POLL_DELIVERY = 'urn:ietf:rfc:8936';
const REQUESTED_EVENTS = [
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change',
  'https://schemas.openid.net/secevent/ssf/event-type/verification',
];

export interface SsfReceiverOptions {
  /** One of the transmitter's bearer tokens (Vigil: `VIGIL_SSF_BEARER_TOKENS`). */
  readonly bearerToken: string;
  /**
   * Where this service reaches the transmitter, when not at its Issuer (a private address, a proxy):
   * the endpoints it names are then taken here, with their paths.
   */
  readonly transmitterUrl?: string;
  readonly delivery:
    | {
        readonly method: 'push';
        /** This service's push endpoint, which serves `enforcer.pushHandler()`. */
        readonly endpointUrl: string;
        /** The Authorization header the transmitter must send with each push. */
        readonly authorization?: string;
      }
    | { readonly method: 'poll'; readonly maxEvents?: number };
  /** Use this stream instead of creating one on start. */
  readonly streamId?: string;
}

export interface SsfStream {
  readonly stream_id: string;
  readonly delivery: { readonly method: string; readonly endpoint_url: string };
  readonly events_delivered: readonly string[];
}

type Receive = (token: string) => Promise<{ ok: true } | { ok: false; code: SetRejection; reason: string }>;

/** RFC 8935 §2.3 and RFC 8936 §2.4.4: the error codes a receiver answers with, by our reasons. */
function errOf(code: SetRejection): string {
  switch (code) {
    case 'unknown_key':
    case 'bad_signature':
      return 'invalid_key';
    case 'wrong_issuer':
      return 'invalid_issuer';
    case 'wrong_audience':
      return 'invalid_audience';
    default:
      return 'invalid_request';
  }
}

/** The transmitter's side of SSF, as a receiver uses it: discovery, its stream, verification, polling. */
export class SsfClient {
  readonly #options: SsfReceiverOptions;
  readonly #issuer: string;
  #configuration: Record<string, unknown> | undefined;
  #stream: SsfStream | undefined;
  #polling = false;
  #pollLoop: Promise<void> | undefined;
  #abort = new AbortController();

  constructor(issuer: string, options: SsfReceiverOptions) {
    this.#issuer = issuer;
    this.#options = options;
  }

  get stream(): SsfStream | undefined {
    return this.#stream;
  }

  /** An endpoint the transmitter names, at the address this service reaches it by. */
  #at(endpoint: string): string {
    if (!this.#options.transmitterUrl) return endpoint;
    const url = new URL(endpoint);
    return new URL(`${url.pathname}${url.search}`, this.#options.transmitterUrl).href;
  }

  async #request(method: string, url: string, body?: object): Promise<unknown> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.#options.bearerToken}`,
        accept: 'application/json',
        ...(body && { 'content-type': 'application/json' }),
      },
      ...(body && { body: JSON.stringify(body) }),
      signal: this.#abort.signal,
    });
    const text = await response.text();
    if (!response.ok)
      throw new VigilClientError('ssf_failed', `${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** SSF 1.0 §7.2: the configuration document, under the Issuer's host with its path after. */
  async configuration(): Promise<Record<string, unknown>> {
    if (this.#configuration) return this.#configuration;
    const issuer = new URL(this.#issuer);
    const at = new URL(`/.well-known/ssf-configuration${issuer.pathname.replace(/\/+$/, '')}`, issuer).href;
    const document = (await this.#request('GET', this.#at(at))) as Record<string, unknown>;
    if (document.issuer !== this.#issuer)
      throw new VigilClientError('ssf_failed', `the configuration names issuer ${String(document.issuer)}`);
    this.#configuration = document;
    return document;
  }

  async #endpoint(
    name:
      | 'configuration_endpoint'
      | 'verification_endpoint'
      | 'status_endpoint'
      | 'add_subject_endpoint'
      | 'remove_subject_endpoint',
  ) {
    const endpoint = (await this.configuration())[name];
    if (typeof endpoint !== 'string')
      throw new VigilClientError('ssf_failed', `the transmitter has no ${name}`);
    return this.#at(endpoint);
  }

  /** Creates this receiver's stream (or reads the one named in the options). */
  async open(): Promise<SsfStream> {
    const endpoint = await this.#endpoint('configuration_endpoint');
    if (this.#options.streamId) {
      const url = new URL(endpoint);
      url.searchParams.set('stream_id', this.#options.streamId);
      this.#stream = (await this.#request('GET', url.href)) as SsfStream;
      return this.#stream;
    }
    const { delivery } = this.#options;
    this.#stream = (await this.#request('POST', endpoint, {
      delivery:
        delivery.method === 'push'
          ? {
              method: PUSH_DELIVERY,
              endpoint_url: delivery.endpointUrl,
              ...(delivery.authorization && { authorization_header: delivery.authorization }),
            }
          : { method: POLL_DELIVERY },
      events_requested: REQUESTED_EVENTS,
    })) as SsfStream;
    return this.#stream;
  }

  /** SSF 1.0 §8.1.4.2: asks the transmitter for a verification event carrying `state`. */
  async requestVerification(state: string): Promise<void> {
    if (!this.#stream) throw new VigilClientError('ssf_failed', 'no stream open');
    await this.#request('POST', await this.#endpoint('verification_endpoint'), {
      stream_id: this.#stream.stream_id,
      state,
    });
  }

  /**
   * SSF 1.0 §8.1.3.2: asks for events about this subject, e.g. `{ format: 'opaque', id: userId }`. At
   * Vigil, a stream with subjects carries events about them alone; one without, about every user.
   */
  async addSubject(subject: { format: string } & Record<string, unknown>): Promise<void> {
    if (!this.#stream) throw new VigilClientError('ssf_failed', 'no stream open');
    await this.#request('POST', await this.#endpoint('add_subject_endpoint'), {
      stream_id: this.#stream.stream_id,
      subject,
    });
  }

  /** SSF 1.0 §8.1.3.3: no more events about this subject. */
  async removeSubject(subject: { format: string } & Record<string, unknown>): Promise<void> {
    if (!this.#stream) throw new VigilClientError('ssf_failed', 'no stream open');
    await this.#request('POST', await this.#endpoint('remove_subject_endpoint'), {
      stream_id: this.#stream.stream_id,
      subject,
    });
  }

  /** Deletes the stream: the transmitter stops sending. */
  async deleteStream(): Promise<void> {
    if (!this.#stream) return;
    const url = new URL(await this.#endpoint('configuration_endpoint'));
    url.searchParams.set('stream_id', this.#stream.stream_id);
    await this.#request('DELETE', url.href);
  }

  /**
   * RFC 8936: polls for tokens, waiting at the transmitter for them, acknowledging each accepted or
   * replayed one and reporting each refused one. A token that could not be judged (keys unavailable)
   * is neither, so the transmitter offers it again.
   */
  startPolling(receive: Receive, onError: (error: unknown) => void): void {
    const stream = this.#stream;
    if (!stream || stream.delivery.method !== POLL_DELIVERY)
      throw new VigilClientError('ssf_failed', 'no poll stream');
    const maxEvents =
      this.#options.delivery.method === 'poll' ? (this.#options.delivery.maxEvents ?? 100) : 100;
    this.#polling = true;
    this.#pollLoop = (async () => {
      let ack: string[] = [];
      let setErrs: Record<string, { err: string; description: string }> = {};
      while (this.#polling) {
        try {
          const reply = (await this.#request('POST', this.#at(stream.delivery.endpoint_url), {
            ack,
            ...(Object.keys(setErrs).length && { setErrs }),
            maxEvents,
            returnImmediately: false,
          })) as { sets?: Record<string, string> };
          ack = [];
          setErrs = {};
          for (const [jti, token] of Object.entries(reply.sets ?? {})) {
            try {
              const receipt = await receive(token);
              if (receipt.ok || receipt.code === 'replayed') ack.push(jti);
              else setErrs[jti] = { err: errOf(receipt.code), description: receipt.reason };
            } catch (error) {
              onError(error);
            }
          }
        } catch (error) {
          if (!this.#polling) return;
          onError(error);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.#polling = false;
    this.#abort.abort();
    await this.#pollLoop;
  }
}

const MAX_PUSH_BYTES = 64 * 1024;

function readText(request: IncomingMessage & { body?: unknown }): Promise<string> {
  // Behind a body parser that already read it (express.text({ type: 'application/secevent+jwt' })).
  if (typeof request.body === 'string') return Promise.resolve(request.body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PUSH_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      size > MAX_PUSH_BYTES ? reject(new Error('too large')) : resolve(Buffer.concat(chunks).toString()),
    );
    request.on('error', reject);
  });
}

/**
 * RFC 8935 §2: the push endpoint. 202 for a token taken (or one already taken: the transmitter
 * retried), 400 with `err` and `description` for a refused one, 401 without the agreed Authorization,
 * 503 when the keys cannot be read, so that the transmitter tries again later.
 */
export function pushHandler(receive: Receive, authorization?: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, body?: object) => {
      response.writeHead(status, body ? { 'content-type': 'application/json' } : {});
      response.end(body ? JSON.stringify(body) : undefined);
    };
    if (request.method !== 'POST') return reply(405);
    if (authorization !== undefined && request.headers.authorization !== authorization)
      return reply(401, {
        err: 'authentication_failed',
        description: 'the Authorization header is not the agreed one',
      });
    readText(request)
      .then(async (token) => {
        const receipt = await receive(token.trim());
        if (receipt.ok || receipt.code === 'replayed') return reply(202);
        reply(400, { err: errOf(receipt.code), description: receipt.reason });
      })
      .catch((error: unknown) =>
        error instanceof VigilClientError && error.code === 'jwks_unavailable'
          ? reply(503)
          : reply(400, { err: 'invalid_request', description: 'the body could not be read' }),
      );
  };
}
