// A deliberately incompatible change in the middle of a lifecycle: the acknowledgement step asks
// for one more schedule (one more local activity) before doing its work. Exactly the recorded
// histories that reach an acknowledgement must fail to replay against it; the others must not.
import { EVENT_STEPS } from '../../../workflows/lifecycle/events';
import { computeSchedule } from '../../../workflows/lifecycle/requests';

const released = EVENT_STEPS.acknowledgement;
EVENT_STEPS.acknowledgement = function* changed(m, env, now) {
  yield* computeSchedule(m.facts);
  return yield* released(m, env, now);
};

export { caseTransfer } from '../../../workflows/case-transfer';
