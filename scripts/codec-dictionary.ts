// Writes a new compression dictionary for the payload codec (codec/dictionaries.ts): text that
// transfers' payloads share (field names, the shipped policies' checklist titles, clocks, rule ids
// and sources), taken from one preview schedule of every shipped authority's transfer kinds, in
// turn, up to deflate's 32 KiB window. A dictionary is frozen once payloads sealed with it exist:
// a change of the policies is a new dictionary (the next number), never an edit of an old one.
//   npx ts-node --transpile-only scripts/codec-dictionary.ts > /tmp/dictionary.txt
import { loadCalendar } from '../activities/policy/calendar/calendar';
import { policiesFrom } from '../activities/policy/registry';
import { scheduleEngines } from '../activities/policy/schedule';
import type { TransferRequest } from '../workflows/definitions';

const WINDOW = 32 * 1024;
const calendar = loadCalendar();
const engine = scheduleEngines(calendar);
const policies = policiesFrom().allInForce('2026-12-01').sort((a, b) => a.authority.localeCompare(b.authority));

function request(authority: string, kind: string): TransferRequest {
  return {
    transferId: '00000000-0000-4000-8000-000000000000',
    authority,
    kind,
    children: [{ ref: 'C-1', dateOfBirth: '2014-06-01', legalStatus: 's20', lookedAfter: true }],
    from: { service: 'Assessment', team: 'team-from' },
    to: { service: 'Safeguarding', team: 'team-to' },
    people: {
      allocatedSocialWorker: { id: 'sw-1', role: 'social-worker' },
      lineManager: { id: 'lm-1', role: 'line-manager' },
      transferringManager: { id: 'tm-1', role: 'team-manager' },
      receivingManager: { id: 'tm-2', role: 'team-manager' },
      chain: { transferring: [{ id: 'sm-1', role: 'service-manager' }], receiving: [{ id: 'sm-2', role: 'service-manager' }] },
    },
    trigger: { event: 'trigger', date: '2027-03-01' },
  } as TransferRequest;
}

// One schedule per authority and kind, taken round-robin so that every authority gets its share.
const perAuthority = policies.map((policy) =>
  policy.kinds
    .filter((k) => !k.outOfScope)
    .map((k) => {
      try {
        return JSON.stringify(engine(policy).compute({ request: request(policy.authority, k.id), decidedOn: '2027-02-01', notifiedOn: '2027-02-01', heldDays: 0 }));
      } catch {
        return '';
      }
    })
    .filter(Boolean),
);
const parts: string[] = [];
let size = 0;
for (let round = 0; size < WINDOW && perAuthority.some((list) => list.length > round); round++) {
  for (const list of perAuthority) {
    const next = list[round];
    if (!next || size + next.length > WINDOW) continue;
    parts.push(next);
    size += next.length;
  }
}
process.stdout.write(parts.join('\n'));
