// Who may send an event to this transfer, decided in the update's validator from the sender's
// teams: the same rules the API applied to a state it read first, so it no longer has to.
import { EVENT_PERMISSIONS, isPermitted, type EventEnvelope, type EventName, type Side, type TransferState } from './contract';
import { Refusal } from './lifecycle/requests';

export function sidesOfTeams(teams: readonly string[], t: { from: { team: string }; to: { team: string } }): Side[] {
  const sides: Side[] = [];
  if (teams.includes(t.from.team)) sides.push('transferring');
  if (teams.includes(t.to.team)) sides.push('receiving');
  return sides;
}

/**
 * The envelope with the actor's sides on this transfer, or the refusal (403) the API would have
 * given. An envelope without a caller (a signal, the raw client) is taken as it is.
 */
export function withAccess<P>(transfer: TransferState, name: EventName, env: EventEnvelope<P>): EventEnvelope<P> {
  if (!env?.caller || !env.actor) return env;
  const actor = { ...env.actor, sides: sidesOfTeams(env.caller.teams ?? [], transfer) };
  if (!env.caller.seesAll && actor.sides.length === 0) {
    throw new Refusal('Forbidden', "Only people on the transfer's teams may act on it");
  }
  if (!isPermitted(EVENT_PERMISSIONS[name], actor, transfer.people.allocatedSocialWorker.id)) {
    throw new Refusal('Forbidden', `Your role may not record ${name} on this transfer`);
  }
  return { ...env, actor };
}
