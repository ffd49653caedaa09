/**
 * What a receiver of Vigil's output imports (`vigil/verify`): a service checking a command before it
 * revokes or steps up, and a team's endpoint checking a signed webhook page.
 */
export {
  verifySecurityEvent,
  type SecurityEventCheck,
  type SecurityEventExpectations,
  type SecurityEventRejection,
  SECURITY_EVENT_REJECTIONS,
  SESSION_REVOKED,
  ASSURANCE_LEVEL_CHANGE,
} from './sinks/commands/security-event.ts';
export type { SecurityEventClaims } from './sinks/commands/schema.ts';
export {
  checkWebhook,
  verifyWebhook,
  type WebhookCheck,
  type WebhookRejection,
  WEBHOOK_REJECTIONS,
  SIGNATURE_HEADER,
} from './sinks/alerts/webhook.ts';
export type { Alert } from './sinks/alerts/alert.ts';
