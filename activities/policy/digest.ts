// The part of a policy the workflow keeps in its state, fetched once at start so that later edits
// to the policy data never change a running transfer's decisions.
import { frozen } from '../../workflows/contract';
import type { PinnedPolicy, PolicyDigest } from '../../workflows/definitions';
import { findKind } from './schedule';
import type { Policy } from './types';

/** The events a condition asks to have been reported (`{reported: event}`), at any depth. */
function reportedIn(condition: unknown): string[] {
  if (!condition || typeof condition !== 'object') return [];
  const c = condition as Record<string, unknown>;
  if (typeof c.reported === 'string') return [c.reported];
  return Object.values(c).flatMap((v) => (Array.isArray(v) ? v.flatMap(reportedIn) : reportedIn(v)));
}

/** Event names a trigger of this kind may carry: the kind's own, those a clock of the kind is met by, and a best-interest agreement where a blackout it lifts applies. */
export function triggerEvents(policy: Policy, kindId: string): string[] {
  const kind = findKind(policy, kindId);
  const applies = (kinds?: string[]) => !kinds || kinds.includes(kindId);
  const events = new Set(kind.trigger.events);
  for (const d of policy.deadlines) {
    if (!applies(d.kinds)) continue;
    if (d.metByEvent) events.add(d.metByEvent);
    // Clocks counted from a named event, or armed once one is reported, need it reported.
    if (typeof d.anchor === 'object' && 'event' in d.anchor) events.add(d.anchor.event);
    for (const e of reportedIn(d.when)) events.add(e);
  }
  if (policy.bounds.some((b) => applies(b.kinds) && b.check.kind === 'blackout' && b.check.liftedByBestInterest)) events.add('best-interest-agreement');
  return [...events];
}

export function policyDigest(policy: Policy, kindId: string): PolicyDigest {
  const kind = findKind(policy, kindId);
  return {
    authority: policy.authority,
    policyVersion: policy.policyVersion,
    kindTitle: kind.title,
    completion: kind.completion,
    checklistGate: {
      meetingWaitsForBlockingItems: policy.checklistGate.meetingWaitsForBlockingItems ?? false,
      historicGaps: policy.checklistGate.historicGaps ?? false,
      signOffEscalation: policy.checklistGate.signOffEscalation,
      deferOpenItems: policy.checklistGate.deferOpenItems ?? false,
    },
    queueEscalation: policy.queueEscalation,
    windowMeetingRule: policy.window?.meetingRule,
    meetingApartFromTriggerRule: policy.window?.meetingApartFromTrigger,
    exceptionApproval: policy.exceptionApproval,
    permittedRejectionReasons: policy.rejection.permitted.map((p) => p.reason),
    remediationWorkerLeft: policy.remediationWorkerLeft,
    forbiddenRejectionReasons: policy.rejection.forbidden,
    escalation: { source: policy.escalationResponse.source },
    raisedEscalations: (policy.raisedEscalations ?? [])
      .filter((r) => !r.kinds || r.kinds.includes(kind.id))
      .map(({ reason, title, rule, source, raisedBy, to, fromRank, noAgreement, meanwhile, automatic }) => ({
        reason, title, rule, source, raisedBy, to, fromRank, noAgreement, meanwhile, automatic,
      })),
    completingTriggers: kind.completingTriggers ?? [],
    cancellingOutcomes: kind.cancellingOutcomes ?? [],
    usesDecision: Boolean(policy.meeting) || kind.completion.includes('agreed-date'),
    usesWindow: Boolean(policy.window) && kind.completion.includes('window-end'),
    queueClearedBy: policy.queueClearedBy ?? ['allocation'],
    blockedUntil: kind.blockedUntil,
    manualCompletion: kind.completion.includes('manual') ? policy.manualCompletion : undefined,
    triggerEvents: triggerEvents(policy, kind.id),
    ownTriggerEvents: kind.trigger.events,
    triggerOutcomes: (kind.cancellingOutcomes ?? []).map((c) => c.outcome),
  };
}

/**
 * The version a transfer keeps (DOMAIN §3.7): the whole policy, narrowed to what can reach a
 * transfer of this kind (its kind, the clocks and bounds that apply to it) so the model stays small.
 * Still a valid policy: the schedule engine runs on it unchanged.
 */
export function pinnedPolicy(policy: Policy, kindId: string): PinnedPolicy {
  let byKind = pinnedCopies.get(policy);
  if (!byKind) pinnedCopies.set(policy, (byKind = new Map()));
  let pinned = byKind.get(kindId);
  if (!pinned) byKind.set(kindId, (pinned = frozen(narrowed(policy, kindId))));
  return pinned;
}

// A loaded policy never changes, so its narrowed copy for a kind is made once (every start asks for
// one) and shared, frozen so that no caller can change it under another.
const pinnedCopies = new WeakMap<Policy, Map<string, PinnedPolicy>>();

function narrowed(policy: Policy, kindId: string): PinnedPolicy {
  const kind = findKind(policy, kindId);
  const forKind = <T extends { kinds?: string[] }>(rules: T[]) => rules.filter((r) => !r.kinds || r.kinds.includes(kind.id));
  const pinned: Policy = {
    ...policy,
    kinds: [kind],
    deadlines: forKind(policy.deadlines),
    bounds: forKind(policy.bounds),
  };
  return JSON.parse(JSON.stringify(pinned)) as PinnedPolicy;
}

/** The digest a transfer keeps, with the version it runs under pinned in it. */
export function pinnedDigest(policy: Policy, kindId: string): PolicyDigest {
  return { ...policyDigest(policy, kindId), policy: pinnedPolicy(policy, kindId) };
}
