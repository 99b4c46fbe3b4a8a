// A deliberately incompatible change in the middle of a lifecycle: the acknowledgement step asks
// for one more schedule (one more local activity) once it has done its work. (Asked first, it
// would be handed the recorded result of the step's own local activity, core matching markers by
// sequence, and the replay would fail on that wrong answer rather than as a determinism violation.)
// Exactly the recorded histories that reach an acknowledgement must fail to replay against it; the
// others must not.
import { EVENT_STEPS } from '../../../workflows/lifecycle/events';
import { computeSchedule } from '../../../workflows/lifecycle/requests';

const released = EVENT_STEPS.acknowledgement;
EVENT_STEPS.acknowledgement = function* changed(m, env, now) {
  const result = yield* released(m, env, now);
  yield* computeSchedule(m.facts);
  return result;
};

export { caseTransfer } from '../../../workflows/case-transfer';
