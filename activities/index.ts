// Activities: the workflow's only way to reach calendar/policy code and the outside world.
// `createActivities(deps)` lets tests and the worker inject the calendar, the policies and sinks.
import { causeChain, type AuthorityId, type PinnedPolicy, type PolicyDigest, type RuleViolation, type Schedule, type ScheduleFacts, type TransferEventMessage, type UnitSettings } from '../workflows/contract';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig, unitSettingsOf } from '../config';
import {
  deliverySettings,
  isPermanentDeliveryError,
  postWebhookEvent,
  sendNotifications,
  type MailSettings,
  type SendResult,
  type WebhookSettings,
} from './notifications';
import { loadCalendar, type Calendar } from './policy/calendar/calendar';
import { pinnedDigest } from './policy/digest';
import { policiesFrom, type PolicyRegistry } from './policy/registry';
import { ScheduleEngine, scheduleEngines } from './policy/schedule';
import type { Policy } from './policy/types';
import type { MigrationDigest } from '../workflows/lifecycle/migration';

/** What a batched webhook delivery reports: the messages that failed for good (the rest were delivered). */
export interface BatchDelivery {
  failed: { sequence: number; error: string }[];
}

/**
 * What one channel's first try of a step's delivery came to: delivered (but for the messages the
 * receiver refused for good), or failed, for good or for now (then the retrying activity takes it).
 */
export type FirstTry =
  | { delivered: true; failed: BatchDelivery['failed'] }
  | { delivered: false; permanent: boolean; error: string };

/** The first try of each channel a delivery carried. */
export interface FirstTries {
  webhook?: FirstTry;
  email?: FirstTry;
}

async function firstTry(attempt: () => Promise<BatchDelivery['failed']>): Promise<FirstTry> {
  try {
    return { delivered: true, failed: await attempt() };
  } catch (err) {
    // A PermanentDeliveryError is one of these: a failure the activity marked as not to be retried.
    return { delivered: false, permanent: err instanceof ApplicationFailure && err.nonRetryable === true, error: causeChain(err) };
  }
}

/** How far a retried batch got last time (its last heartbeat), or 0 outside an activity. */
function batchProgress(): number {
  try {
    // The SDK hands over the first detail of the last heartbeat itself, not the list of details.
    const done: unknown = Context.current().info.heartbeatDetails;
    return typeof done === 'number' ? done : 0;
  } catch {
    return 0;
  }
}

function heartbeat(done: number): void {
  try {
    // A local activity (the delivery's first try) has no heartbeat: core would refuse it and log a warning.
    const context = Context.current();
    if (!context.info.isLocal) context.heartbeat(done);
  } catch {
    // Called outside an activity (a unit test): nothing to record.
  }
}

/** The audit part of a published event: who did what, when, and the status before and after. */
export type AuditRecord = Omit<TransferEventMessage, 'snapshot'>;

export function auditRecord(message: TransferEventMessage): AuditRecord {
  const { snapshot: _snapshot, ...record } = message;
  return record;
}

export interface ActivityDeps {
  calendar: Calendar;
  /** Every loaded policy file (POLICY_DIR, default the shipped policies/ folder). */
  policies: PolicyRegistry;
  /** Where audit records go; structured, and free of personal data by construction. */
  audit: (record: AuditRecord) => void | Promise<void>;
  /** SMTP for notifications; absent, no email is sent. */
  mail?: MailSettings;
  /** The case-management webhook; absent, events go to the audit log only. */
  webhook?: WebhookSettings;
  /** The deployment's DOMAIN §10 unit choices (SGO_PAPERWORK_UNIT, ...); a transfer pins them at its start. */
  units?: UnitSettings;
}

export function defaultDeps(): ActivityDeps {
  const config = loadConfig();
  return {
    calendar: loadCalendar(),
    policies: policiesFrom(config.POLICY_DIR),
    units: unitSettingsOf(config),
    audit: (record) => console.log(JSON.stringify({ level: 'info', msg: 'transfer event', ...record })),
    ...deliverySettings(config),
  };
}

/** Keys seen recently, oldest dropped first: enough to stop a retry loop repeating a log line. */
function recentKeys(limit = 10_000) {
  const keys = new Set<string>();
  return {
    has: (key: string) => keys.has(key),
    add(key: string) {
      keys.add(key);
      if (keys.size > limit) keys.delete(keys.values().next().value!);
    },
  };
}

export function createActivities(overrides: Partial<ActivityDeps> = {}) {
  const deps: ActivityDeps = { ...defaultDeps(), ...overrides };
  const engine = scheduleEngines(deps.calendar, deps.units);
  const audited = recentKeys();
  /**
   * The policy a transfer runs under: the version pinned in its model when it carries one (DOMAIN
   * §3.7, whatever is loaded now), else the loaded version it names, else the one in force today.
   */
  const policyOf = (authority: AuthorityId, version?: string, pinned?: PinnedPolicy): Policy => {
    if (pinned) {
      if (pinned.authority !== authority) throw new Error(`The pinned policy is ${pinned.authority}'s, not ${authority}'s`);
      return pinned as unknown as Policy;
    }
    if (version) {
      const named = deps.policies.policyFor(authority, version);
      if (!named) throw new Error(`No ${authority} policy version ${version} is loaded`);
      return named;
    }
    return deps.policies.inForce(authority, deps.calendar.toLocalDate(new Date().toISOString()));
  };
  // A pinned policy arrives as a fresh copy on every call: its engine is not worth caching.
  const engineFor = (policy: Policy, pinned: boolean) => (pinned ? new ScheduleEngine(policy, deps.calendar, deps.units) : engine(policy));

  /**
   * The audit trail and the case-management webhook for one published event. Idempotent by
   * (workflowId, sequence): the Idempotency-Key header. The log gets the record at least once
   * (a retry on this worker does not repeat it); the webhook on every attempt until a 2xx.
   */
  const deliverWebhook = async (message: TransferEventMessage): Promise<void> => {
    const key = `${message.workflowId}:${message.sequence}`;
    if (!audited.has(key)) {
      await deps.audit(auditRecord(message));
      audited.add(key);
    }
    if (deps.webhook) await postWebhookEvent(deps.webhook, message);
  };

  /**
   * Several published events in order, one activity for all of them (the workflow batches what
   * queued while a delivery was in flight). A message refused for good is reported and the rest
   * still go; anything else fails the activity, whose retry starts after the last message the
   * previous attempt delivered (its heartbeat).
   */
  const deliverWebhooks = async (messages: TransferEventMessage[]): Promise<BatchDelivery> => {
    const failed: BatchDelivery['failed'] = [];
    for (let i = batchProgress(); i < messages.length; i++) {
      try {
        await deliverWebhook(messages[i]);
      } catch (err) {
        if (!isPermanentDeliveryError(err)) throw err;
        failed.push({ sequence: messages[i].sequence, error: err.message });
      }
      heartbeat(i + 1);
    }
    return { failed };
  };

  /**
   * Emails for one published event (written notification, acknowledgement due and overdue,
   * escalations, meeting invite, completion, remediation). Each message's Message-ID comes from
   * (workflowId, sequence, notice, recipient), so a retry can be deduplicated downstream.
   */
  const sendNotificationsFor = async (message: TransferEventMessage): Promise<SendResult> => {
    if (!deps.mail) return { sent: 0, skipped: 0, notices: [] };
    return sendNotifications(deps.mail, message);
  };

  return {
    /**
     * Local activity, once at start: the policy facts a running transfer keeps, with the version it
     * starts under pinned (recorded in history, so a replay and every later step see it), and the
     * first schedule under that pinned copy, as every later step computes it.
     */
    async firstSchedule(input: { authority: AuthorityId; kind: string; facts: ScheduleFacts; policyVersion?: string }): Promise<{ digest: PolicyDigest; schedule: Schedule }> {
      const digest = pinnedDigest(policyOf(input.authority, input.policyVersion), input.kind);
      const schedule = engineFor(policyOf(input.authority, undefined, digest.policy), true).compute(input.facts);
      return { digest, schedule };
    },

    /**
     * Local activity, for an operator's migration: the digest of the named version (else the one in
     * force at the workflow's `asOf`) with that version pinned, or why it cannot run this transfer. Answers rather than
     * throws, so that the workflow refuses the update and changes nothing.
     */
    async migrationDigest(input: { authority: AuthorityId; kind: string; asOf: string; policyVersion?: string }): Promise<MigrationDigest> {
      let policy: Policy;
      try {
        policy = input.policyVersion
          ? policyOf(input.authority, input.policyVersion)
          : deps.policies.inForce(input.authority, deps.calendar.toLocalDate(input.asOf));
      } catch (err) {
        return { missing: err instanceof Error ? err.message : String(err) };
      }
      if (!policy.kinds.some((k) => k.id === input.kind && !k.outOfScope)) {
        return { missing: `${input.authority} policy version ${policy.policyVersion} has no transfer kind ${input.kind}` };
      }
      return { digest: pinnedDigest(policy, input.kind) };
    },

    /** Local activity: every clock, the window, the checklist and rule violations. */
    async computeSchedule(facts: ScheduleFacts & { policyVersion?: string; policy?: PinnedPolicy }): Promise<Schedule> {
      const { policyVersion, policy: pinned, ...rest } = facts;
      return engineFor(policyOf(facts.request.authority, policyVersion, pinned), Boolean(pinned)).compute(rest);
    },

    /** Local activity: a completion's guard on its date (the violations) and its schedule once completed, under one engine. */
    async completionTrial(input: { guard: ScheduleFacts; completed: ScheduleFacts; policy?: PinnedPolicy }): Promise<{ violations: RuleViolation[]; schedule: Schedule }> {
      const engine = engineFor(policyOf(input.guard.request.authority, undefined, input.policy), Boolean(input.policy));
      return { violations: engine.compute(input.guard).completionViolations ?? [], schedule: engine.compute(input.completed) };
    },

    /** Local activity: when an escalation raised now must be answered before it climbs. */
    async escalationRespondBy(input: { authority: AuthorityId; raisedAt: string; reason?: string; policyVersion?: string; policy?: PinnedPolicy }): Promise<string> {
      const policy = policyOf(input.authority, input.policyVersion, input.policy);
      const raised = input.reason ? policy.raisedEscalations?.find((r) => r.reason === input.reason) : undefined;
      const within = raised?.respondWithin ?? policy.escalationResponse.within;
      if (within.unit === 'hours') return deps.calendar.addHours(input.raisedAt, within.n);
      const raisedOn = deps.calendar.toLocalDate(input.raisedAt);
      return deps.calendar.breachInstant(engineFor(policy, Boolean(input.policy)).shift(raisedOn, within));
    },

    /** Local activity: the London calendar day of an instant (for effective dates). */
    async localDate(input: { instant: string }): Promise<string> {
      return deps.calendar.toLocalDate(input.instant);
    },

    deliverWebhook,

    /**
     * Local activity: a step's deliveries tried once, the webhook batch and the email together, so
     * that a step that notifies someone takes one local activity, not two. It never throws for a
     * channel: each one's outcome says whether its retrying activity (deliverWebhooks,
     * sendNotifications) must take it on.
     */
    async firstTries(input: { webhook?: TransferEventMessage[]; email?: TransferEventMessage }): Promise<FirstTries> {
      const { webhook: batch, email: message } = input;
      const [webhook, email] = await Promise.all([
        batch ? firstTry(async () => (await deliverWebhooks(batch)).failed) : undefined,
        message ? firstTry(async () => (await sendNotificationsFor(message), [])) : undefined,
      ]);
      return { ...(webhook ? { webhook } : {}), ...(email ? { email } : {}) };
    },

    deliverWebhooks,
    sendNotifications: sendNotificationsFor,
  };
}

export type Activities = ReturnType<typeof createActivities>;
