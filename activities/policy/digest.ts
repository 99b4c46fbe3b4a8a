// The part of a policy the workflow keeps in its state, fetched once at start so that later edits
// to the policy data never change a running transfer's decisions.
import type { PolicyDigest } from '../../workflows/definitions';
import { findKind } from './schedule';
import type { Policy } from './types';

export function policyDigest(policy: Policy, kindId: string): PolicyDigest {
  const kind = findKind(policy, kindId);
  return {
    authority: policy.authority,
    policyVersion: policy.policyVersion,
    kindTitle: kind.title,
    completion: kind.completion,
    checklistGate: policy.checklistGate.gate,
    exceptionApproval: policy.exceptionApproval,
    permittedRejectionReasons: policy.rejection.permitted.map((p) => p.reason),
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
  };
}
