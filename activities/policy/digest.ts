// The part of a policy the workflow keeps in its state, fetched once at start so that later edits
// to the policy data never change a running transfer's decisions.
import type { PinnedPolicy, PolicyDigest } from '../../workflows/definitions';
import { findKind } from './schedule';
import type { Policy } from './types';

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
    exceptionApproval: policy.exceptionApproval,
    permittedRejectionReasons: policy.rejection.permitted.map((p) => p.reason),
    forbiddenRejectionReasons: policy.rejection.forbidden,
    escalation: { source: policy.escalationResponse.source },
    triggerEvents: kind.trigger.events,
    completingTriggers: kind.completingTriggers ?? [],
    cancellingOutcomes: kind.cancellingOutcomes ?? [],
    usesDecision: Boolean(policy.meeting) || kind.completion.includes('agreed-date'),
    usesWindow: Boolean(policy.window) && kind.completion.includes('window-end'),
    queueClearedBy: policy.queueClearedBy ?? ['allocation'],
    blockedUntil: kind.blockedUntil,
  };
}

/**
 * The version a transfer keeps (DOMAIN §3.7): the whole policy, narrowed to what can reach a
 * transfer of this kind (its kind, the clocks and bounds that apply to it) so the model stays small.
 * Still a valid policy: the schedule engine runs on it unchanged.
 */
export function pinnedPolicy(policy: Policy, kindId: string): PinnedPolicy {
  const kind = findKind(policy, kindId);
  const forKind = <T extends { kinds?: string[] }>(rules: T[]) => rules.filter((r) => !r.kinds || r.kinds.includes(kind.id));
  const pinned: Policy = {
    ...policy,
    kinds: [kind],
    deadlines: forKind(policy.deadlines),
    bounds: forKind(policy.bounds),
    // Information only (DOMAIN §10): nothing in the engine reads the settings.
    settings: {},
  };
  return JSON.parse(JSON.stringify(pinned)) as PinnedPolicy;
}
