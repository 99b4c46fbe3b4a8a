// Whether an event may be applied to the model as it stands: who sends it (one permission table),
// what state the transfer is in, and the payload's own rules. Read-only; the update validator runs
// it against the committed model, and every step runs it again before changing anything.
import {
  EVENT_PERMISSIONS,
  highestRank,
  isPermitted,
  lowestApproverRank,
  rankIndex,
  type Actor,
  type EventEnvelope,
  type EventName,
  type Person,
} from '../contract';
import { allocationPending, blockingOpen, isCompleted, isReady, isTerminal, preCompletion, specFor, type TransferModel } from './model';
import { checkRaise } from './escalations';
import { personOnChain, Refusal } from './requests';
import { can } from './transitions';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const EXCEPTION_KINDS = ['extend-window', 'waive-items', 'hold', 'resume', 'cancel-transfer'];

const invalid = (message: string, details?: unknown): never => {
  throw new Refusal('InvalidState', message, details);
};
/** A refusal that names the field at fault; its rule and valid date (if any) go both on it and on the refusal. */
const invalidField = (path: string, message: string, about: { rule?: string; earliestOn?: string; latestOn?: string } = {}, extra: Record<string, unknown> = {}): never =>
  invalid(message, { ...about, ...extra, errors: [{ path, message, ...about }] });
const forbidden = (message: string): never => {
  throw new Refusal('Forbidden', message);
};
const notFound = (message: string): never => {
  throw new Refusal('NotFound', message);
};
function requireDate(value: unknown, field: string): void {
  if (typeof value !== 'string' || !DATE_RE.test(value)) invalid(`${field} must be a date (YYYY-MM-DD)`);
}

/** The refusal for this event, or undefined when it may be applied. */
export function validate(m: TransferModel, name: EventName, env: EventEnvelope<unknown>): Refusal | undefined {
  try {
    check(m, name, env);
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err;
    return new Refusal('InvalidState', `${name}: malformed event (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The actor as sent: a person or an integration. Only the workflow itself acts as the system. */
function checkActor(name: EventName, actor: Actor): void {
  if (typeof actor.id !== 'string' || !Array.isArray(actor.roles) || !Array.isArray(actor.sides)) {
    invalid(`${name}: the actor needs id, roles and sides`);
  }
  if (actor.kind === 'system' || actor.id === 'system') forbidden(`${name}: no event may claim the system actor`);
  if (actor.kind !== 'person' && actor.kind !== 'integration') invalid(`${name}: the actor's kind must be person or integration`);
}

/** Refuses a reason the policy forbids, written as CAPACITY, capacity or record-quality alike. */
function refuseForbiddenReason(m: TransferModel, reason: string, verb: 'stop' | 'refuse' | 'delay'): void {
  const token = reason.trim().toUpperCase().replace(/[\s-]+/g, '_');
  const refused = m.digest?.forbiddenRejectionReasons.find((f) => f.reason === token);
  if (!refused) return;
  invalidField('reason', `${refused.reason} is never a reason to ${verb} a transfer (${refused.rule}, ${refused.source}); instead: ${refused.instead}`, { rule: refused.rule }, { instead: refused.instead });
}

function check(m: TransferModel, name: EventName, env: EventEnvelope<unknown>): void {
  if (!env || typeof env !== 'object' || !env.actor || typeof env.actor !== 'object' || typeof env.payload !== 'object' || env.payload === null) {
    invalid(`${name}: malformed event`);
  }
  checkActor(name, env.actor);
  const s = m.transfer;
  if (!isPermitted(EVENT_PERMISSIONS[name], env.actor, s.people.allocatedSocialWorker.id)) {
    forbidden(`${env.actor.id} may not record ${name} on this transfer`);
  }
  // Before the start has committed there is no schedule to check against: the step, which waits
  // for the start, checks the rest.
  if (!isReady(m)) return;
  if (isTerminal(m)) invalid(`the transfer is ${s.status}`);
  const p = env.payload as Record<string, unknown>;
  const actor = env.actor;
  const needPre = () => {
    if (!preCompletion(m)) invalid(`${name} is not valid after completion (status ${s.status})`);
  };
  const digest = m.digest!;
  switch (name) {
    case 'notification':
      requireDate(p.notifiedOn, 'notifiedOn');
      if (p.windowEnd !== undefined) requireDate(p.windowEnd, 'windowEnd');
      if (s.notifiedOn) invalid(`the transfer was already notified (the written notification of ${s.notifiedOn})`);
      // Notified by a forum's decision alone, the written notice may still follow (T3.after-decision).
      if (!can(m, 'T3') && !can(m, 'T3.after-decision')) invalid(`the transfer was already notified (status ${s.status})`);
      break;
    case 'acknowledgement':
      if (p.acknowledgedOn !== undefined) requireDate(p.acknowledgedOn, 'acknowledgedOn');
      if (!['notified', 'preparing', 'blocked'].includes(s.status)) invalid(`acknowledgement needs a notified transfer (status ${s.status})`);
      if (s.acknowledgedOn) invalid('the notification was already acknowledged');
      break;
    case 'allocation': {
      const w = p.receivingSocialWorker as Person | undefined;
      if (!w || typeof w !== 'object' || typeof w.id !== 'string') invalid('receivingSocialWorker is required');
      if (isCompleted(m) && s.people.receivingSocialWorker) invalid('a receiving social worker is already allocated');
      break;
    }
    case 'checklistItem': {
      const item = s.checklist.find((i) => i.itemId === p.itemId);
      if (!item) return notFound(`no checklist item ${String(p.itemId)} on this transfer`);
      if (!['done', 'na', 'historic-gap', 'open'].includes(String(p.state))) invalid('state must be done, na, historic-gap or open');
      // After completion an item can only be done late.
      if (isCompleted(m) && p.state !== 'done') invalid('after completion only deferred items can be completed');
      if (p.state === 'historic-gap' && !digest.checklistGate?.historicGaps) {
        invalid('historic-gap applies only where the policy allows historic gaps');
      }
      if ((p.state === 'na' || p.state === 'open') && !p.reason && !p.note) invalid(`${String(p.state)} needs a reason`);
      break;
    }
    case 'meeting': {
      requireDate(p.on, 'on');
      // After completion only the handover meeting that clears the receiving team's queue counts.
      if (!(p.status === 'held' && allocationPending(m) && digest.queueClearedBy.includes('meeting-held'))) needPre();
      if (p.status !== 'scheduled' && p.status !== 'held') invalid('status must be scheduled or held');
      if (s.window && (String(p.on) > s.window.endsOn || String(p.on) < s.window.opensOn)) {
        const rule = digest.windowMeetingRule;
        const valid = String(p.on) > s.window.endsOn ? { latestOn: s.window.endsOn } : { earliestOn: s.window.opensOn };
        invalidField('on', `${rule ? `${rule}: ` : ''}the transfer meeting must be inside the window ${s.window.opensOn} to ${s.window.endsOn}`, { ...(rule ? { rule } : {}), ...valid });
      }
      if (p.partOf !== undefined && (typeof p.partOf !== 'string' || !p.partOf)) invalid('partOf must name the meeting this one is part of');
      const apart = digest.meetingApartFromTriggerRule;
      if (apart && typeof p.partOf === 'string' && (digest.ownTriggerEvents ?? digest.triggerEvents).includes(p.partOf)) {
        invalidField('partOf', `${apart}: the transfer meeting may share the trigger event's date but not its meeting (${p.partOf}); hold it as a meeting of its own`, { rule: apart });
      }
      if (p.status === 'held' && s.blocked) invalid(`${s.blocked.rule}: the transfer is blocked: ${s.blocked.reason}`, { rule: s.blocked.rule });
      if (p.status === 'held' && preCompletion(m) && digest.completion.includes('meeting')) {
        if (s.status === 'returned-to-meeting') invalid('the case went back to the allocation meeting: record a new decision first');
        const open = blockingOpen(m);
        if (digest.checklistGate?.meetingWaitsForBlockingItems && open.length > 0) {
          invalid(`the checklist gate is not met: blocking items need sign-off first, open ${open.join(', ')}`, { open });
        }
      }
      if (p.status === 'held' && !s.notifiedOn && digest.usesWindow) invalid('the transfer has not been notified yet');
      break;
    }
    case 'exceptionRequest':
      needPre();
      if (typeof p.exceptionId !== 'string' || !p.exceptionId) invalid('exceptionId is required');
      if (!EXCEPTION_KINDS.includes(String(p.kind))) invalid(`unknown exception kind ${String(p.kind)}`);
      if (p.kind === 'extend-window') {
        requireDate(p.newWindowEnd, 'newWindowEnd');
        // Without a window or agreed date yet, the exception approves a date beyond the policy's
        // bound ahead of the decision that proposes it.
        const current = s.window?.endsOn ?? s.agreedTransferOn;
        if (current && String(p.newWindowEnd) <= current) invalidField('newWindowEnd', `newWindowEnd must be after the current end ${current}`);
      }
      if (p.kind === 'waive-items') {
        const ids = Array.isArray(p.itemIds) ? (p.itemIds as unknown[]) : [];
        if (!ids.length) invalid('itemIds are required to waive items');
        ids.forEach((id, i) => {
          if (!s.checklist.some((c) => c.itemId === id)) invalidField(`itemIds[${i}]`, `no checklist item ${String(id)} on this transfer`, {}, { allowed: s.checklist.map((c) => c.itemId) });
        });
      }
      if (p.kind === 'hold' && m.regions.hold.state === 'on-hold') invalid('the transfer is already on hold');
      // INV-2: capacity is escalated (POST /escalations), never a reason to hold or extend.
      if (p.kind === 'hold' || p.kind === 'extend-window') refuseForbiddenReason(m, String(p.reason ?? ''), 'delay');
      // INV-2, INV-3: nor to end it by exception, as they may not by cancellation.
      if (p.kind === 'cancel-transfer') refuseForbiddenReason(m, String(p.reason ?? ''), 'stop');
      if (p.kind === 'resume' && m.regions.hold.state !== 'on-hold') invalid('the transfer is not on hold');
      if (s.exceptions.some((e) => e.exceptionId === p.exceptionId)) invalid('duplicate exceptionId');
      break;
    case 'exceptionDecision': {
      needPre();
      // Rank first, so that someone who may not approve learns nothing about the exception.
      const minRank = lowestApproverRank(digest.exceptionApproval);
      if (highestRank(actor) < rankIndex(minRank)) forbidden(`approving needs the rank ${minRank} or above`);
      const ex = s.exceptions.find((e) => e.exceptionId === p.exceptionId);
      if (!ex) return notFound(`no exception ${String(p.exceptionId)}`);
      if (ex.state !== 'pending') invalid(`the exception is already ${ex.state}`);
      if (p.decision !== 'approve' && p.decision !== 'reject') invalid('decision must be approve or reject');
      if (highestRank(actor) < rankIndex(ex.minRank)) forbidden(`approving needs the rank ${ex.minRank} or above`);
      const open = ex.requiredSides.filter((side) => !ex.approvals.some((a) => a.side === side));
      if (!actor.sides.some((side) => open.includes(side))) {
        forbidden(`approval is needed from the ${open.join(' and ')} side, and the approver is not on it`);
      }
      break;
    }
    case 'escalationResponse': {
      const esc = s.escalations.find((e) => e.escalationId === p.escalationId);
      if (!esc) return notFound(`no escalation ${String(p.escalationId)}`);
      if (esc.state !== 'open') invalid(`the escalation is already ${esc.state}`);
      const above = highestRank(actor) > rankIndex(esc.to.role) && actor.sides.includes(esc.side);
      if (actor.id !== esc.to.id && !above) forbidden('only the person escalated to, or someone above them, may answer');
      if (typeof p.decision !== 'string' || !p.decision) invalid('decision is required');
      break;
    }
    case 'raiseEscalation':
      checkRaise(m, env);
      break;
    case 'decision':
      requireDate(p.on, 'on');
      if (p.transferOn !== undefined) requireDate(p.transferOn, 'transferOn');
      needPre();
      if (!digest.usesDecision) invalid(`a ${s.kind} transfer is not decided at an allocation meeting`);
      break;
    case 'trigger': {
      requireDate(String(p.on ?? '').slice(0, 10), 'on');
      if (typeof p.event !== 'string' || !p.event) invalid('event is required');
      // Only the events and outcomes this kind knows: an unknown one would be accepted and ignored.
      const events = [...new Set([...(digest.triggerEvents ?? []), s.trigger.event])];
      if (digest.triggerEvents && !events.includes(p.event as string)) {
        invalid(`${String(p.event)} is not a trigger event of a ${s.kind} transfer; allowed: ${events.join(', ')}`, { field: 'event', allowed: events });
      }
      if (p.outcome !== undefined && digest.triggerOutcomes && !digest.triggerOutcomes.includes(String(p.outcome))) {
        const allowed = digest.triggerOutcomes;
        invalid(
          allowed.length ? `${String(p.outcome)} is not an outcome of a ${s.kind} transfer; allowed: ${allowed.join(', ')}` : `a ${s.kind} transfer's trigger events carry no outcome`,
          { field: 'outcome', allowed },
        );
      }
      // After completion a trigger only records a recurring obligation (e.g. a weekly overview).
      if (!s.deadlines.some((d) => d.state === 'pending' && specFor(m, d)?.metByEvent === p.event)) needPre();
      break;
    }
    case 'completion': {
      requireDate(p.on, 'on');
      needPre();
      const manual = digest.manualCompletion;
      if (!manual || !digest.completion.includes('manual')) {
        invalid(`a ${s.kind} transfer does not complete manually; it completes by ${digest.completion.join(', ')}`, { allowed: digest.completion });
      }
      if (highestRank(actor) < rankIndex(manual!.minRank)) forbidden(`a manual completion needs the rank ${manual!.minRank} or above (${manual!.source})`);
      if (!actor.sides.some((side) => manual!.sides.includes(side))) forbidden(`a manual completion is recorded by the ${manual!.sides.join(' or ')} side (${manual!.source})`);
      if (s.blocked) invalid(`${s.blocked.rule}: the transfer is blocked: ${s.blocked.reason}`, { rule: s.blocked.rule });
      if (s.status === 'returned-to-meeting') invalid('the case went back to the allocation meeting: record a new decision first');
      if (!s.notifiedOn && digest.usesWindow) invalid('the transfer has not been notified yet');
      if (s.decidedOn && String(p.on) < s.decidedOn) invalidField('on', `a transfer decided on ${s.decidedOn} cannot complete before it`, { earliestOn: s.decidedOn });
      const open = blockingOpen(m);
      if (open.length > 0) invalid(`the checklist gate is not met: blocking items are open: ${open.join(', ')}`, { open });
      break;
    }
    case 'remediation':
      // Who first: the receiving side lists defects, the transferring side marks them fixed.
      if (p.items && !actor.sides.includes('receiving')) forbidden('the receiving side lists record defects');
      if (!p.items && p.itemId && !actor.sides.includes('transferring')) forbidden('the transferring side marks defects fixed');
      if (!isCompleted(m)) invalid('remediation applies after completion');
      if (p.items) {
        if (s.remediation) invalid('a remediation letter was already sent');
        if (!Array.isArray(p.items) || p.items.length === 0) invalid('items must list at least one defect');
        if (p.letterOn !== undefined) requireDate(p.letterOn, 'letterOn');
        if (p.referringWorkerLeft !== undefined && typeof p.referringWorkerLeft !== 'boolean') invalid('referringWorkerLeft must be true or false');
        const left = digest.remediationWorkerLeft;
        if (p.referringWorkerLeft && !left) invalidField('referringWorkerLeft', `the ${s.authority} policy names no task for a remediation whose referring social worker has left`);
        if (p.referringWorkerLeft && left && !personOnChain(m, left.side, left.fromRank)) {
          invalidField(`people.chain.${left.side}`, `${left.rule}: the task goes to the ${left.side} side's ${left.fromRank} or above, and that side's chain has no one of that rank`, { rule: left.rule });
        }
      } else if (p.itemId) {
        const item = s.remediation?.items.find((i) => i.itemId === p.itemId);
        if (!item) return notFound(`no remediation item ${String(p.itemId)}`);
        if (item.state === 'done') invalid('that item is already done');
      } else invalid('send items (a letter) or itemId (a fix)');
      break;
    case 'cancellation':
      needPre();
      if (typeof p.reason !== 'string' || !p.reason) invalid('reason is required');
      // Capacity and record quality never end a transfer, whichever route they come by (INV-2, INV-3).
      refuseForbiddenReason(m, p.reason as string, 'stop');
      break;
    case 'rejection': {
      needPre();
      const reason = String(p.reason ?? '');
      refuseForbiddenReason(m, reason, 'refuse');
      // DOMAIN §3.4 T12: only a reason the policy permits (§7.3).
      if (!digest.permittedRejectionReasons.includes(reason)) {
        invalidField('reason', `${reason} is not a permitted reason; permitted: ${digest.permittedRejectionReasons.join(', ')}`, { rule: 'T12' }, { allowed: digest.permittedRejectionReasons });
      }
      break;
    }
  }
}
