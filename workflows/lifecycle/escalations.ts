// Escalations people raise (issue 9): a reason the policy lists, routed to the rung and the sides
// the policy names, and an answer that settles it or, where the policy says "no agreement" climbs,
// sends it a rung up each side's chain. Raising never moves the status or a clock: capacity is
// escalated, never a reason to reject, cancel or hold (INV-2).
import { type Actor, type Escalation, type EventEnvelope, type EventPayloads, type ManagerRank, type RaisedEscalationRule, type Side } from '../contract';
import type { TransferModel } from './model';
import { personOnChain, raiseEscalation, Refusal, type Asks } from './requests';

/** "no agreement", "No-Agreement", "NO_AGREEMENT" alike. */
export function isNoAgreement(decision: string): boolean {
  return decision.trim().toLowerCase().replace(/[\s_]+/g, '-') === 'no-agreement';
}

export function raisableReasons(m: TransferModel): RaisedEscalationRule[] {
  return m.digest?.raisedEscalations ?? [];
}

/** A 409 naming the field, as problem+json `errors` (and the rule, where one refuses it). */
function refuse(message: string, field: string, extra: Record<string, unknown> = {}): never {
  throw new Refusal('InvalidState', message, { errors: [{ path: field, message, ...extra }], ...extra });
}

/** The side the raiser acts for: the one named in the body, or their only side on this transfer. */
function raiserSide(m: TransferModel, actor: Actor, named: Side | undefined): Side {
  // The allocated social worker works on the transferring side whatever teams the token lists.
  const sides: Side[] = actor.id === m.transfer.people.allocatedSocialWorker.id && !actor.sides.length ? ['transferring'] : actor.sides;
  if (named) {
    if (!sides.includes(named)) throw new Refusal('Forbidden', `you are not on the ${named} side of this transfer`);
    return named;
  }
  if (sides.length === 1) return sides[0];
  if (!sides.length) throw new Refusal('Forbidden', 'you are on neither side of this transfer');
  return refuse('you are on both sides of this transfer: name the side you raise it for (side)', 'side');
}

function targetSides(rule: RaisedEscalationRule, raiser: Side): Side[] {
  const sides = rule.to.map((t) => (t === 'raiser' ? raiser : t));
  return sides.filter((s, i) => sides.indexOf(s) === i);
}

/** The refusal of a raise, thrown; read-only. */
export function checkRaise(m: TransferModel, env: EventEnvelope<unknown>): void {
  const p = env.payload as Partial<EventPayloads['raiseEscalation']>;
  const reasons = raisableReasons(m);
  const rule = reasons.find((r) => r.reason === p.reason);
  if (typeof p.note !== 'string' || !p.note.trim()) refuse('note is required', 'note');
  if (!rule) {
    refuse(`${String(p.reason)} is not an escalation the ${m.transfer.authority} policy lists for ${m.transfer.kind}; allowed: ${reasons.map((r) => r.reason).join(', ') || 'none'}`, 'reason', {
      allowed: reasons.map((r) => r.reason),
    });
  }
  if (p.side !== undefined && p.side !== 'transferring' && p.side !== 'receiving') refuse('side must be transferring or receiving', 'side');
  const side = raiserSide(m, env.actor, p.side);
  if (!rule.raisedBy.includes(side)) {
    throw new Refusal('Forbidden', `${rule.reason} is raised by the ${rule.raisedBy.join(' or ')} side (${rule.rule}, ${rule.source})`);
  }
  for (const target of targetSides(rule, side)) {
    if (!personOnChain(m, target, rule.fromRank)) {
      refuse(`${rule.rule}: ${rule.reason} goes to the ${target} side's ${rule.fromRank} or above, and that side's chain has no one of that rank`, `people.chain.${target}`, { rule: rule.rule });
    }
  }
  const open = m.transfer.escalations.find((e) => e.state === 'open' && e.raised && e.reason === rule.reason);
  if (open) refuse(`a ${rule.reason} escalation is already open (${open.escalationId}); answer it or let it climb`, 'reason', { rule: rule.rule });
}

export function* raise(m: TransferModel, env: EventEnvelope<EventPayloads['raiseEscalation']>, now: string): Asks<string> {
  const { payload, actor } = env;
  const rule = raisableReasons(m).find((r) => r.reason === payload.reason)!;
  const side = raiserSide(m, actor, payload.side);
  const group = `raised-${m.transfer.escalations.filter((e) => e.raised).length + 1}`;
  const raised = { by: actor.id, side, note: payload.note, at: now, group, title: rule.title, noAgreement: rule.noAgreement };
  const to: string[] = [];
  for (const target of targetSides(rule, side)) {
    const e = yield* raiseEscalation(m, now, {
      side: target,
      fromRank: rule.fromRank,
      reason: rule.reason,
      carry: { rule: rule.rule, source: rule.source, raised },
      respondByReason: rule.reason,
    });
    if (e) to.push(`${e.to.id} (${target})`);
  }
  return `escalation raised: ${rule.reason} (${rule.rule}) to ${to.join(' and ')}`;
}

/**
 * The escalations the policy has the workflow raise itself (Southwark: a CP or looked-after child
 * left without a named worker is notified to the Head of Quality Assurance at once, INV-6).
 */
export function* raiseAutomatically(m: TransferModel, now: string, on: 'completed-without-named-worker'): Asks<void> {
  const children = m.transfer.children;
  for (const rule of raisableReasons(m)) {
    if (rule.automatic?.on !== on) continue;
    if (rule.automatic.children === 'cp-or-looked-after' && !children.some((c) => c.lookedAfter || c.facts?.cpPlan)) continue;
    if (m.transfer.escalations.some((e) => e.state === 'open' && e.raised && e.reason === rule.reason)) continue;
    const group = `raised-${m.transfer.escalations.filter((e) => e.raised).length + 1}`;
    for (const side of rule.to.filter((t): t is Side => t !== 'raiser')) {
      const raised = { by: 'system', side, note: 'completed into the receiving team’s queue without a named worker', at: now, group, title: rule.title, noAgreement: rule.noAgreement };
      yield* raiseEscalation(m, now, { side, fromRank: rule.fromRank, reason: rule.reason, carry: { rule: rule.rule, source: rule.source, raised }, respondByReason: rule.reason });
    }
  }
}

/** The open escalations raised together with this one (both sides' chains), this one included. */
function groupOf(m: TransferModel, e: Escalation): Escalation[] {
  return m.transfer.escalations.filter((x) => x.state === 'open' && (x === e || (e.raised && x.raised?.group === e.raised.group)));
}

/** One rung up the same side's chain, carrying what it was raised for. */
export function* climb(m: TransferModel, e: Escalation, now: string): Asks<Escalation | undefined> {
  return yield* raiseEscalation(m, now, {
    side: e.side,
    fromRank: e.to.role as ManagerRank,
    reason: e.reason,
    deadlineId: e.deadlineId,
    above: e.to,
    level: e.level + 1,
    carry: { rule: e.rule, source: e.source, raised: e.raised },
  });
}

/**
 * An answer. "No agreement" on a raised reason that climbs sends every open escalation of that
 * raising a rung up its side's chain (a side already at its top keeps the answer as final); any
 * other answer settles the raising on both sides.
 */
export function* answer(m: TransferModel, env: EventEnvelope<EventPayloads['escalationResponse']>, now: string): Asks<string> {
  const { payload, actor } = env;
  const esc = m.transfer.escalations.find((e) => e.escalationId === payload.escalationId)!;
  const group = groupOf(m, esc);
  const reply = { by: actor.id, decision: payload.decision, note: payload.note, at: now };
  if (esc.raised?.noAgreement === 'climbs' && isNoAgreement(payload.decision)) {
    const climbed: string[] = [];
    for (const e of group) {
      e.state = e === esc ? 'answered' : 'superseded';
      if (e === esc) e.answer = reply;
      const next = yield* climb(m, e, now);
      if (next) climbed.push(`${next.to.id} (${next.side})`);
      // At the top of its side's chain the answer stands.
      else if (e !== esc) e.state = 'open';
    }
    return climbed.length
      ? `escalation ${esc.escalationId} answered: no agreement; climbed to ${climbed.join(' and ')}`
      : `escalation ${esc.escalationId} answered: no agreement at the top of the ladder`;
  }
  for (const e of group) {
    e.state = 'answered';
    e.answer = e === esc ? reply : { ...reply, note: `settled by ${actor.id} on the ${esc.side} side (${esc.escalationId})` };
  }
  return group.length > 1 ? `escalation ${esc.escalationId} answered; settled on both sides` : `escalation ${esc.escalationId} answered`;
}
