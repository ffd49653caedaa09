export {
  createEmitter,
  type Emitter,
  type EmitterOptions,
  type AuthEventInput,
  type AccessEventInput,
  type SignInFields,
} from './emitter.ts';
export {
  createEnforcer,
  type Enforcer,
  type EnforcerOptions,
  type EnforcerStats,
  type Receipt,
} from './enforcer.ts';
export { MemoryEnforcementStore, type Enforcement, type EnforcementStore } from './store.ts';
export {
  RedisEnforcementStore,
  type RedisCommands,
  type RedisStoreOptions,
  type RedisSubscriber,
} from './redis-store.ts';
export {
  accessEvents,
  enforceSessions,
  type AccessEventsOptions,
  type EnforceOptions,
  type HttpRequest,
  type HttpResponse,
  type Identity,
  type Middleware,
  type Next,
} from './express.ts';
export {
  createSetVerifier,
  SET_REJECTIONS,
  type SetCheck,
  type SetRejection,
  type VerifierOptions,
} from './verifier.ts';
export {
  ASSURANCE_LEVEL_CHANGE,
  SESSION_REVOKED,
  STREAM_UPDATED,
  VERIFICATION,
  type Command,
  type SetClaims,
} from './commands.ts';
export { CLIENT_ERROR_CODES, VigilClientError, type ClientErrorCode } from './errors.ts';
export { ACCESS_ACTIONS, AUTH_TYPES, accessEventSchema, authEventSchema } from './contract/events/schema.ts';
export {
  POLL_DELIVERY,
  PUSH_DELIVERY,
  pushHandler,
  SsfClient,
  type SsfReceiverOptions,
  type SsfStream,
} from './ssf-receiver.ts';
