import fc from 'fast-check';
import { DateTime } from 'luxon';
import { ENGLAND_AND_WALES, Weekday, createCalendar } from '../../../activities/policy/calendar/calendar';

const cal = createCalendar(ENGLAND_AND_WALES);
const RUNS = { numRuns: 400 };
const DAY_MS = 86_400_000;

function dateBetween(from: string, to: string): fc.Arbitrary<string> {
  return fc
    .integer({ min: Date.parse(from) / DAY_MS, max: Date.parse(to) / DAY_MS })
    .map((n) => new Date(n * DAY_MS).toISOString().slice(0, 10));
}

// Starts early enough that 250 working days either way stay inside the 2018-2030 coverage.
const coveredDate = dateBetween('2019-02-01', '2029-10-31');
const workingDayCount = fc.integer({ min: 1, max: 250 });
const anyDate = dateBetween('1900-01-01', '2100-12-31');

const isWeekend = (d: string) => cal.weekdayOf(d) === 'SAT' || cal.weekdayOf(d) === 'SUN';

// Deliberately naive oracle: walks day by day with plain Date arithmetic and the raw holiday list.
const holidays = new Set(ENGLAND_AND_WALES.events.map((e) => e.date));
function naiveAddWorkingDays(d: string, n: number): string {
  let t = Date.parse(d);
  for (let left = n; left > 0; ) {
    t += DAY_MS;
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6 && !holidays.has(new Date(t).toISOString().slice(0, 10))) left--;
  }
  return new Date(t).toISOString().slice(0, 10);
}

describe('working-day properties', () => {
  it('a working-day result is never a weekend or a bank holiday, and lies strictly after the start', () => {
    fc.assert(
      fc.property(coveredDate, workingDayCount, (d, n) => {
        const r = cal.addWorkingDays(d, n);
        return r > d && !isWeekend(r) && !cal.isBankHoliday(r) && cal.isWorkingDay(r);
      }),
      RUNS,
    );
  });

  it('addWorkingDays matches a day-by-day walk', () => {
    fc.assert(
      fc.property(coveredDate, fc.integer({ min: 0, max: 60 }), (d, n) => cal.addWorkingDays(d, n) === naiveAddWorkingDays(d, n)),
      RUNS,
    );
  });

  it('addWorkingDays is strictly monotonic in n', () => {
    fc.assert(
      fc.property(coveredDate, workingDayCount, workingDayCount, (d, a, b) => {
        fc.pre(a !== b);
        const [lo, hi] = a < b ? [a, b] : [b, a];
        return cal.addWorkingDays(d, lo) < cal.addWorkingDays(d, hi);
      }),
      RUNS,
    );
  });

  it('workingDaysBetween(d, addWorkingDays(d, n)) === n', () => {
    fc.assert(
      fc.property(coveredDate, fc.integer({ min: 0, max: 250 }), (d, n) => cal.workingDaysBetween(d, cal.addWorkingDays(d, n)) === n),
      RUNS,
    );
  });

  it('workingDaysBetween is additive and antisymmetric', () => {
    fc.assert(
      fc.property(coveredDate, coveredDate, coveredDate, (a, b, c) => {
        const ab = cal.workingDaysBetween(a, b);
        return ab + cal.workingDaysBetween(b, c) === cal.workingDaysBetween(a, c) && ab === -cal.workingDaysBetween(b, a);
      }),
      RUNS,
    );
  });

  it('subtractWorkingDays inverts addWorkingDays on working days', () => {
    fc.assert(
      fc.property(coveredDate, workingDayCount, (d, n) => {
        const w = cal.firstWorkingDayOnOrAfter(d);
        return cal.subtractWorkingDays(cal.addWorkingDays(w, n), n) === w && cal.addWorkingDays(cal.subtractWorkingDays(w, n), n) === w;
      }),
      RUNS,
    );
  });

  it('from a non-working day the round trips land on the neighbouring working days', () => {
    fc.assert(
      fc.property(coveredDate, workingDayCount, (d, n) => {
        return (
          cal.subtractWorkingDays(cal.addWorkingDays(d, n), n) === cal.lastWorkingDayOnOrBefore(d) &&
          cal.addWorkingDays(cal.subtractWorkingDays(d, n), n) === cal.firstWorkingDayOnOrAfter(d)
        );
      }),
      RUNS,
    );
  });

  it('lastWorkingDayOnOrBefore(d) <= d, is a working day, and no working day lies between', () => {
    fc.assert(
      fc.property(coveredDate, (d) => {
        const p = cal.lastWorkingDayOnOrBefore(d);
        return p <= d && cal.isWorkingDay(p) && cal.workingDaysBetween(p, d) === 0 && (p === d) === cal.isWorkingDay(d);
      }),
      RUNS,
    );
  });

  it('firstWorkingDayOnOrAfter / firstWorkingDayAfter / nextDay are the nearest working days ahead', () => {
    fc.assert(
      fc.property(coveredDate, (d) => {
        const onOrAfter = cal.firstWorkingDayOnOrAfter(d);
        const after = cal.firstWorkingDayAfter(d);
        const next = cal.nextDay(d);
        return (
          onOrAfter >= d &&
          cal.isWorkingDay(onOrAfter) &&
          cal.workingDaysBetween(d, onOrAfter) === (onOrAfter === d ? 0 : 1) &&
          after > d &&
          after === cal.addWorkingDays(d, 1) &&
          next === after &&
          (cal.isWorkingDay(cal.addDays(d, 1)) ? next === cal.addDays(d, 1) : next > cal.addDays(d, 1))
        );
      }),
      RUNS,
    );
  });
});

describe('calendar-day properties', () => {
  const monthIndex = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
  const day = (d: string) => Number(d.slice(8, 10));

  it('addMonths moves exactly n months and clamps the day to the month end', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -240, max: 240 }), (d, n) => {
        const r = cal.addMonths(d, n);
        const clamped = day(r) < day(d);
        const lastOfMonth = cal.addDays(r, 1).slice(8, 10) === '01';
        return monthIndex(r) - monthIndex(d) === n && day(r) <= day(d) && (!clamped || lastOfMonth);
      }),
      RUNS,
    );
  });

  it('addYears is addMonths(12n)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -50, max: 50 }), (d, n) => cal.addYears(d, n) === cal.addMonths(d, 12 * n)),
      RUNS,
    );
  });

  it('addDays, addWeeks and daysBetween agree', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -3000, max: 3000 }), (d, n) => {
        return cal.daysBetween(d, cal.addDays(d, n)) === n && cal.addWeeks(d, n) === cal.addDays(d, 7 * n);
      }),
      RUNS,
    );
  });

  it('weekdayOnOrAfter is the nearest matching day within a week', () => {
    const weekday = fc.constantFrom<Weekday>('MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN');
    fc.assert(
      fc.property(anyDate, weekday, (d, w) => {
        const r = cal.weekdayOnOrAfter(d, w);
        const gap = cal.daysBetween(d, r);
        return cal.weekdayOf(r) === w && gap >= 0 && gap <= 6 && cal.weekdayAfter(d, w) === (gap === 0 ? cal.addDays(r, 7) : r);
      }),
      RUNS,
    );
  });
});

describe('instant properties', () => {
  const hhmm = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const londonDate = dateBetween('1990-01-01', '2060-12-31');

  it('a London wall-clock time stays on its London date', () => {
    fc.assert(fc.property(londonDate, hhmm, (d, t) => cal.toLocalDate(cal.atLocalTime(d, t)) === d), RUNS);
  });

  it('a London day lasts 23, 24 or 25 hours and its breach instant starts the next day', () => {
    fc.assert(
      fc.property(londonDate, (d) => {
        const start = Date.parse(cal.startOfDay(d));
        const breach = cal.breachInstant(d);
        const hours = (Date.parse(breach) - start) / 3_600_000;
        return [23, 24, 25].includes(hours) && cal.toLocalDate(breach) === cal.addDays(d, 1) && breach === cal.startOfDay(cal.addDays(d, 1));
      }),
      RUNS,
    );
  });

  it('addHours adds elapsed hours regardless of the clock changes', () => {
    fc.assert(
      fc.property(londonDate, hhmm, fc.integer({ min: -1000, max: 1000 }), (d, t, h) => {
        const start = cal.atLocalTime(d, t);
        return Date.parse(cal.addHours(start, h)) - Date.parse(start) === h * 3_600_000;
      }),
      RUNS,
    );
  });
});

// The calendar reads dates in UTC and keeps the London times it has found; the oracle here is luxon
// in Europe/London itself, computed afresh each time.
describe('agreement with luxon in Europe/London', () => {
  const inLondon = (d: string) => DateTime.fromISO(d, { zone: 'Europe/London' });
  const hhmm = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

  it('date arithmetic and weekdays are those of London dates', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -800, max: 800 }), fc.integer({ min: -40, max: 40 }), (d, days, months) => {
        const london = inLondon(d);
        return (
          cal.addDays(d, days) === london.plus({ days }).toISODate() &&
          cal.addMonths(d, months) === london.plus({ months }).toISODate() &&
          cal.addYears(d, months) === london.plus({ years: months }).toISODate() &&
          cal.weekdayOf(d) === ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'][london.weekday - 1]
        );
      }),
      RUNS,
    );
  });

  it('a London wall-clock time is the same instant asked once or again', () => {
    const clockChangeDay = fc.constantFrom('2026-03-29', '2026-10-25', '2027-03-28', '2027-10-31', '2031-03-30', '2031-10-26');
    fc.assert(
      fc.property(fc.oneof(clockChangeDay, dateBetween('1990-01-01', '2060-12-31')), hhmm, (d, t) => {
        const [hour, minute] = t.split(':').map(Number);
        const dt = DateTime.fromObject({ ...inLondon(d).toObject(), hour, minute }, { zone: 'Europe/London' });
        const earlier = dt.minus({ hours: 1 });
        const expected = (earlier.hour === hour && earlier.minute === minute && earlier.day === dt.day ? earlier : dt).toUTC().toISO();
        return cal.atLocalTime(d, t) === expected && cal.atLocalTime(d, t) === expected;
      }),
      RUNS,
    );
  });
});
