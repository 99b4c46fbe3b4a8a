// The API's view of the policies: listing them and computing previews with the same engine the
// workflow uses through its local activity.
import type { AuthorityId, ScheduleFacts } from '../workflows/definitions';
import type { Calendar } from '../activities/policy/calendar/calendar';
import { scheduleEngines } from '../activities/policy/schedule';
import type { Policy } from '../activities/policy/types';
import type { PolicyService } from './app';

export function createPolicyService(calendar: Calendar, policies: Record<AuthorityId, Policy>): PolicyService {
  const engine = scheduleEngines(policies, calendar);
  return {
    schedule: (facts: ScheduleFacts) => engine(facts.request.authority).compute(facts),
    list: () =>
      Object.values(policies).map((p) => ({
        authority: p.authority,
        name: p.name,
        policyVersion: p.policyVersion,
        kinds: p.kinds.filter((k) => !k.outOfScope).map((k) => ({ id: k.id, title: k.title, source: k.source })),
      })),
    get: (authority: AuthorityId) => {
      const p = policies[authority];
      return p ? { ...p, calendar: { version: calendar.version, coverage: calendar.coverage() } } : undefined;
    },
    today: () => calendar.toLocalDate(new Date().toISOString()),
  };
}
