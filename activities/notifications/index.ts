// Notifications (email over SMTP) and the signed case-management webhook, used by the
// deliverWebhook and sendNotifications activities. The mail catcher is imported on its own.
export { PERMANENT_DELIVERY_ERROR, isPermanentDeliveryError, permanentDeliveryError } from './errors';
export { deliverySettings, publicBaseUrl, type DeliverySettings, type MailSettings, type WebhookSettings } from './settings';
export { composeNotices, type Notice, type NoticeKind } from './content';
export { sendNotifications, closeMailTransports, classifySmtpError, idempotencyKey, messageIdFor, type SendResult } from './mailer';
export { postWebhookEvent, classifyHttpStatus, type HttpOutcome } from './webhook';
export {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhookSignature,
  type VerifyResult,
} from './signature';
export { toWebhookEvent, webhookEventJsonSchema, webhookEventSchema, type WebhookEvent } from './webhook-schema';
