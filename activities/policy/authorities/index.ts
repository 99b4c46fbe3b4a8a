// The five authorities' policies, keyed by the API's authority id.
import type { AuthorityId } from '../../../workflows/definitions';
import type { Policy, TransferKind } from '../types';
import { barkingDagenhamPolicy } from './barking-dagenham';
import { internalV11Policy } from './internal-v11';
import { islingtonPolicy } from './islington';
import { somersetPolicy } from './somerset';
import { southwarkPolicy } from './southwark';

export { barkingDagenhamPolicy, internalV11Policy, islingtonPolicy, somersetPolicy, southwarkPolicy };

export const POLICIES: Record<AuthorityId, Policy> = {
  islington: islingtonPolicy,
  'barking-dagenham': barkingDagenhamPolicy,
  somerset: somersetPolicy,
  southwark: southwarkPolicy,
  'internal-v11': internalV11Policy,
};

/** The policy of an authority; `undefined` for an id that is not one of the five (e.g. from a URL). */
export function getPolicy(id: AuthorityId): Policy;
export function getPolicy(id: string): Policy | undefined;
export function getPolicy(id: string): Policy | undefined {
  return Object.prototype.hasOwnProperty.call(POLICIES, id) ? POLICIES[id as AuthorityId] : undefined;
}

/** A transfer kind of the policy by its DOMAIN §5 type id, or `undefined`. */
export function findKind(policy: Policy, kindId: string): TransferKind | undefined {
  return policy.kinds.find((k) => k.id === kindId);
}
