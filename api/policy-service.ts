// The API's view of the policies: listing them and computing previews with the same engine the
// workflow uses through its local activity. New transfers get the version in force today.
import type { ScheduleFacts, UnitSettings } from '../workflows/definitions';
import { triggerEvents } from '../activities/policy/digest';
import { findKind } from '../activities/policy/schedule';
import type { Calendar } from '../activities/policy/calendar/calendar';
import type { PolicyRegistry } from '../activities/policy/registry';
import { scheduleEngines } from '../activities/policy/schedule';
import type { PolicyService } from './app';

export function createPolicyService(calendar: Calendar, registry: PolicyRegistry, units: UnitSettings = {}): PolicyService {
  const engine = scheduleEngines(calendar, units);
  const today = () => calendar.toLocalDate(new Date().toISOString());
  return {
    schedule: (facts: ScheduleFacts) => engine(registry.inForce(facts.request.authority, today())).compute(facts),
    has: (authority: string) => registry.has(authority),
    triggerVocabulary: (authority, policyVersion, kindId) => {
      const policy = registry.policyFor(authority, policyVersion) ?? (registry.has(authority) ? registry.inForce(authority, today()) : undefined);
      if (!policy) return undefined;
      try {
        const kind = findKind(policy, kindId);
        return { events: triggerEvents(policy, kindId), outcomes: (kind.cancellingOutcomes ?? []).map((c) => c.outcome) };
      } catch {
        return undefined;
      }
    },
    list: () =>
      registry.allInForce(today()).map((p) => ({
        authority: p.authority,
        name: p.name,
        policyVersion: p.policyVersion,
        effectiveFrom: p.effectiveFrom,
        kinds: p.kinds.filter((k) => !k.outOfScope).map((k) => ({ id: k.id, title: k.title, source: k.source })),
      })),
    get: (authority: string) => {
      if (!registry.has(authority)) return undefined;
      const on = today();
      const versions = registry.versions(authority);
      const current = versions.filter((v) => v.effectiveFrom <= on).at(-1);
      return {
        ...(current ?? { authority, name: versions[0].name, policyVersion: null }),
        // Every loaded version: the one in force, the earlier ones running transfers may still use,
        // and any that take effect later.
        versions: versions.map((v, i) => ({
          policyVersion: v.policyVersion,
          effectiveFrom: v.effectiveFrom,
          supersededOn: versions[i + 1]?.effectiveFrom,
          status: v === current ? 'in-force' : v.effectiveFrom > on ? 'scheduled' : 'earlier',
        })),
        calendar: { version: calendar.version, coverage: calendar.coverage() },
      };
    },
    today,
  };
}
