import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Holidays from 'date-holidays';
import {
  Calendar,
  CalendarData,
  CalendarInputError,
  ENGLAND_AND_WALES,
  Weekday,
  addMonths,
  createCalendar,
  loadCalendar,
} from '../../../activities/policy/calendar/calendar';

const cal = createCalendar(ENGLAND_AND_WALES);

function clone(data: CalendarData): CalendarData {
  return JSON.parse(JSON.stringify(data)) as CalendarData;
}

describe('england-and-wales.json', () => {
  const events = ENGLAND_AND_WALES.events;
  const datesOf = (year: number) =>
    events
      .filter((e) => e.date.startsWith(`${year}-`))
      .map((e) => e.date)
      .sort();

  it('is the england-and-wales division with a version and a source', () => {
    expect(ENGLAND_AND_WALES.division).toBe('england-and-wales');
    expect(ENGLAND_AND_WALES.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(ENGLAND_AND_WALES.source).toContain('gov.uk');
  });

  it('lists each date once, in order, and only on weekdays', () => {
    const dates = events.map((e) => e.date);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
    expect(dates.filter((d) => ['SAT', 'SUN'].includes(cal.weekdayOf(d)))).toEqual([]);
  });

  it('covers 2018-2030 and marks exactly 2028-2030 provisional', () => {
    expect(cal.coverage()).toEqual({ from: 2018, to: 2030 });
    expect(events.filter((e) => e.provisional !== Number(e.date.slice(0, 4)) >= 2028)).toEqual([]);
    expect(cal.isProvisionalYear(2027)).toBe(false);
    expect(cal.isProvisionalYear(2028)).toBe(true);
  });

  // DOMAIN.md §0.2 table, transcribed independently of the data file.
  const DOMAIN_TABLE: Record<number, string[]> = {
    2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
    2026: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
    2027: ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'],
    2028: ['2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26'],
  };
  it.each(Object.entries(DOMAIN_TABLE))('agrees with the DOMAIN §0.2 table for %s', (year, dates) => {
    expect(datesOf(Number(year))).toEqual(dates);
  });

  it('flags the substitute days of DOMAIN §0.2 and no others in 2025-2028', () => {
    const subs = events.filter((e) => e.substitute && e.date >= '2025' && e.date < '2029').map((e) => e.date);
    expect(subs).toEqual(['2026-12-28', '2027-12-27', '2027-12-28', '2028-01-03']);
  });

  it('holds the one-off proclaimed days and drops the days they replaced', () => {
    const proclaimed = events.filter((e) => e.proclaimed).map((e) => e.date);
    expect(proclaimed).toEqual(['2020-05-08', '2022-06-02', '2022-06-03', '2022-09-19', '2023-05-08']);
    expect(cal.isBankHoliday('2020-05-04')).toBe(false);
    expect(cal.isBankHoliday('2022-05-30')).toBe(false);
    expect(datesOf(2022)).toHaveLength(10);
    expect(datesOf(2023)).toHaveLength(9);
  });

  // Easter Sundays from published tables, so the standing-rule check does not share code with the generator.
  const EASTER: Record<number, string> = {
    2018: '04-01', 2019: '04-21', 2020: '04-12', 2021: '04-04', 2022: '04-17', 2023: '04-09', 2024: '03-31',
    2025: '04-20', 2026: '04-05', 2027: '03-28', 2028: '04-16', 2029: '04-01', 2030: '04-21',
  };
  function standingRules(year: number): string[] {
    const easter = `${year}-${EASTER[year]}`;
    const taken = new Set<string>();
    const moveToFreeWeekday = (d: string) => {
      let x = d;
      while (['SAT', 'SUN'].includes(cal.weekdayOf(x)) || taken.has(x)) x = cal.addDays(x, 1);
      taken.add(x);
    };
    moveToFreeWeekday(`${year}-01-01`);
    taken.add(cal.addDays(easter, -2));
    taken.add(cal.addDays(easter, 1));
    taken.add(cal.weekdayOnOrAfter(`${year}-05-01`, 'MON'));
    taken.add(cal.weekdayOnOrAfter(`${year}-05-25`, 'MON'));
    taken.add(cal.weekdayOnOrAfter(`${year}-08-25`, 'MON'));
    moveToFreeWeekday(`${year}-12-25`);
    moveToFreeWeekday(`${year}-12-26`);
    return [...taken].sort();
  }
  it.each([2018, 2019, 2021, 2024, 2025, 2026, 2027, 2028, 2029, 2030])(
    '%i follows the standing rules (no proclamation that year)',
    (year) => {
      expect(datesOf(year)).toEqual(standingRules(year));
    },
  );
});

describe('DOMAIN §8.1 calendar primitives', () => {
  it('CAL-01 addWorkingDays(Mon 14 Dec 2026, 10) = Wed 30 Dec 2026', () => {
    expect(cal.addWorkingDays('2026-12-14', 10)).toBe('2026-12-30');
    expect(cal.isBankHoliday('2026-12-25')).toBe(true);
    expect(cal.isBankHoliday('2026-12-28')).toBe(true);
  });

  it('CAL-03 across Easter 2027', () => {
    expect(cal.addWorkingDays('2027-03-22', 10)).toBe('2027-04-07');
    expect(cal.workingDaysBetween('2027-03-22', '2027-04-01')).toBe(6);
  });

  it('CAL-05 weeks are calendar days and ignore bank holidays', () => {
    expect(cal.addWeeks('2026-11-02', 6)).toBe('2026-12-14');
    expect(cal.addWeeks('2026-10-05', 12)).toBe('2026-12-28');
    expect(cal.isBankHoliday('2026-12-28')).toBe(true);
  });

  it('CAL-07 practicalDue = last working day on or before the due date', () => {
    expect(cal.lastWorkingDayOnOrBefore('2027-01-01')).toBe('2026-12-31');
    expect(cal.lastWorkingDayOnOrBefore('2027-03-29')).toBe('2027-03-25');
    expect(cal.lastWorkingDayOnOrBefore('2028-01-01')).toBe('2027-12-31');
    expect(cal.lastWorkingDayOnOrBefore('2026-12-30')).toBe('2026-12-30');
  });
});

describe('calendar facts from the other §8 scenarios', () => {
  it('ISL-01 16 Nov 2026 + 42 days = Mon 28 Dec 2026 (substitute holiday), rolled back to Thu 24 Dec', () => {
    const end = cal.addDays('2026-11-16', 42);
    expect(end).toBe('2026-12-28');
    expect(cal.isWorkingDay(end)).toBe(false);
    expect(cal.lastWorkingDayOnOrBefore(end)).toBe('2026-12-24');
    expect(cal.daysBetween('2026-11-16', '2026-12-17')).toBe(31);
  });

  it('ISL-02/03/07 window lengths', () => {
    expect(cal.daysBetween('2026-11-02', '2026-12-01')).toBe(29);
    expect(cal.daysBetween('2026-11-02', '2026-12-15')).toBe(43);
    expect(cal.addDays('2026-11-02', 42)).toBe('2026-12-14');
    expect(cal.daysBetween('2026-11-02', '2027-01-11')).toBe(70);
    expect(cal.atLocalTime('2026-12-14', '18:00')).toBe('2026-12-14T18:00:00.000Z');
  });

  it('ISL-05 2-working-day acknowledgement SLA from Mon 1 Mar 2027', () => {
    expect(cal.addDays('2027-03-01', 42)).toBe('2027-04-12');
    const due = cal.addWorkingDays('2027-03-01', 2);
    expect(due).toBe('2027-03-03');
    expect(cal.breachInstant(due)).toBe('2027-03-04T00:00:00.000Z');
  });

  it('ISL-08 return home within 12 weeks = 84 days', () => {
    expect(cal.addWeeks('2026-12-01', 12)).toBe(cal.addDays('2026-12-01', 84));
  });

  it('ISL A10 TAM cut-off on a bank-holiday Friday moves to the previous working day', () => {
    expect(cal.isBankHoliday('2027-01-01')).toBe(true);
    expect(cal.subtractWorkingDays('2027-01-01', 1)).toBe('2026-12-31');
  });

  it('LBBD-01 allocation within two weeks of Thu 10 Dec 2026', () => {
    expect(cal.addWeeks('2026-12-10', 2)).toBe('2026-12-24');
  });

  it('LBBD-03 placement order over Christmas', () => {
    expect(cal.addHours('2026-12-18T14:00:00Z', 24)).toBe('2026-12-19T14:00:00.000Z');
    expect(cal.addHours('2026-12-18T14:00:00+00:00', 24)).toBe('2026-12-19T14:00:00.000Z');
    const transferDue = cal.addDays('2026-12-18', 14);
    expect(transferDue).toBe('2027-01-01');
    expect(cal.lastWorkingDayOnOrBefore(transferDue)).toBe('2026-12-31');
  });

  it('LBBD-05 L2L notice and exam blackout', () => {
    expect(cal.addYears('2011-05-15', 16)).toBe('2027-05-15');
    expect(cal.addMonths('2027-05-15', -2)).toBe('2027-03-15');
    expect(cal.firstWorkingDayAfter('2027-06-18')).toBe('2027-06-21');
  });

  it('LBBD-07 two weeks from Thu 11 Mar 2027', () => {
    expect(cal.addWeeks('2027-03-11', 2)).toBe('2027-03-25');
  });

  it('SOM-01/02 14-day clock, next Tuesday TAM, weekly overviews', () => {
    const due = cal.addDays('2026-12-15', 14);
    expect(due).toBe('2026-12-29');
    expect(cal.breachInstant(due)).toBe('2026-12-30T00:00:00.000Z');
    expect(cal.weekdayOnOrAfter('2026-12-30', 'TUE')).toBe('2027-01-05');
    expect(cal.weekdayOnOrAfter('2027-01-05', 'TUE')).toBe('2027-01-05');
    expect(cal.weekdayAfter('2027-01-05', 'TUE')).toBe('2027-01-12');
    expect(cal.addWeeks('2026-12-30', 1)).toBe('2027-01-06');
    expect(cal.addWeeks('2026-12-30', 2)).toBe('2027-01-13');
  });

  it('SOM-03 three months clamps to the month end', () => {
    expect(cal.addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(cal.addMonths('2026-08-31', 3)).toBe('2026-11-30');
  });

  it('UNN-01 addWorkingDays(Mon 21 Dec 2026, 10) = Thu 7 Jan 2027', () => {
    expect(cal.addWorkingDays('2026-12-21', 10)).toBe('2027-01-07');
  });

  it('UNN-04 10 working days vs 10 calendar days from Wed 24 Mar 2027', () => {
    expect(cal.addWorkingDays('2027-03-24', 10)).toBe('2027-04-09');
    expect(cal.addDays('2027-03-24', 10)).toBe('2027-04-03');
  });

  it('SWK-01 CIN review 10 working days after Mon 14 Dec 2026', () => {
    expect(cal.addWorkingDays('2026-12-14', 10)).toBe('2026-12-30');
  });

  it('SWK-02 ten working days notice from Fri 18 Dec 2026', () => {
    expect(cal.workingDaysBetween('2026-12-18', '2026-12-29')).toBe(5);
    expect(cal.addWorkingDays('2026-12-18', 10)).toBe('2027-01-06');
    expect(cal.subtractWorkingDays('2027-01-06', 10)).toBe('2026-12-18');
  });

  it('SWK-05 remediation due two weeks after Fri 8 Jan 2027', () => {
    const due = cal.addDays('2027-01-08', 14);
    expect(due).toBe('2027-01-22');
    expect(cal.toLocalDate(cal.breachInstant(due))).toBe('2027-01-23');
  });

  const DAY_NAMES: [string, Weekday][] = [
    ['2026-11-16', 'MON'], ['2026-12-17', 'THU'], ['2026-12-24', 'THU'], ['2026-12-28', 'MON'], ['2026-12-10', 'THU'],
    ['2026-11-02', 'MON'], ['2026-12-01', 'TUE'], ['2026-12-14', 'MON'], ['2026-12-15', 'TUE'], ['2027-03-01', 'MON'],
    ['2027-04-12', 'MON'], ['2027-03-03', 'WED'], ['2027-03-04', 'THU'], ['2027-03-15', 'MON'], ['2026-12-09', 'WED'],
    ['2027-01-11', 'MON'], ['2026-12-11', 'FRI'], ['2026-12-29', 'TUE'], ['2026-12-18', 'FRI'], ['2026-12-19', 'SAT'],
    ['2027-01-01', 'FRI'], ['2026-12-31', 'THU'], ['2027-05-15', 'SAT'], ['2027-06-18', 'FRI'], ['2027-06-21', 'MON'],
    ['2027-05-17', 'MON'], ['2027-03-11', 'THU'], ['2027-03-25', 'THU'], ['2026-12-30', 'WED'], ['2027-01-05', 'TUE'],
    ['2026-12-21', 'MON'], ['2027-01-06', 'WED'], ['2027-01-13', 'WED'], ['2026-11-30', 'MON'], ['2027-02-28', 'SUN'],
    ['2026-08-31', 'MON'], ['2027-01-07', 'THU'], ['2027-03-24', 'WED'], ['2027-04-09', 'FRI'], ['2027-04-03', 'SAT'],
    ['2027-01-08', 'FRI'], ['2027-01-22', 'FRI'], ['2027-01-23', 'SAT'], ['2027-03-22', 'MON'], ['2027-04-07', 'WED'],
    ['2027-04-01', 'THU'], ['2026-10-05', 'MON'], ['2027-03-29', 'MON'], ['2028-01-01', 'SAT'], ['2027-12-31', 'FRI'],
  ];
  it.each(DAY_NAMES)('DOMAIN names %s a %s', (date, day) => {
    expect(cal.weekdayOf(date)).toBe(day);
  });
});

describe('calendar-day arithmetic', () => {
  it('adds and subtracts days, weeks, months and years', () => {
    expect(cal.addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(cal.addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(cal.addWeeks('2027-01-11', -4)).toBe('2026-12-14');
    expect(cal.addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(cal.addMonths('2027-03-31', -1)).toBe('2027-02-28');
    expect(cal.addYears('2028-02-29', 1)).toBe('2029-02-28');
    expect(cal.addYears('2028-02-29', 4)).toBe('2032-02-29');
  });

  it('15½ years is DOB + 186 months', () => {
    expect(cal.addMonths('2011-08-31', 186)).toBe('2027-02-28');
    expect(cal.addMonths('2012-02-29', 186)).toBe('2027-08-29');
  });

  it('5½ months = 5 months then 15 days', () => {
    expect(cal.addMonthsAndDays('2026-09-30', 5, 15)).toBe('2027-03-15');
    expect(cal.addMonthsAndDays('2026-01-15', 5, 15)).toBe('2026-06-30');
  });

  it('daysBetween is b − a, across DST changes', () => {
    expect(cal.daysBetween('2026-03-28', '2026-03-30')).toBe(2);
    expect(cal.daysBetween('2026-10-26', '2026-10-24')).toBe(-2);
    expect(cal.daysBetween('2026-01-01', '2027-01-01')).toBe(365);
  });

  it('calendar arithmetic works outside the bank-holiday coverage', () => {
    expect(addMonths('2040-01-31', 1)).toBe('2040-02-29');
    expect(cal.weekdayOf('2040-02-29')).toBe('WED');
  });
});

describe('working days', () => {
  it('classifies weekends, bank holidays and ordinary weekdays', () => {
    expect(cal.isWorkingDay('2026-12-24')).toBe(true);
    expect(cal.isWorkingDay('2026-12-25')).toBe(false);
    expect(cal.isWorkingDay('2026-12-26')).toBe(false);
    expect(cal.isBankHoliday('2026-12-26')).toBe(false);
    expect(cal.isWorkingDay('2022-09-19')).toBe(false);
    expect(cal.isWorkingDay('2018-01-02')).toBe(true);
  });

  it('counts strictly after the start and n = 0 is the date itself', () => {
    expect(cal.addWorkingDays('2026-12-24', 1)).toBe('2026-12-29');
    expect(cal.addWorkingDays('2026-12-26', 1)).toBe('2026-12-29');
    expect(cal.addWorkingDays('2026-12-25', 0)).toBe('2026-12-25');
    expect(cal.subtractWorkingDays('2026-12-29', 1)).toBe('2026-12-24');
    expect(cal.subtractWorkingDays('2026-12-28', 2)).toBe('2026-12-23');
  });

  it('workingDaysBetween counts (a, b] and is negative when reversed', () => {
    expect(cal.workingDaysBetween('2026-12-24', '2026-12-24')).toBe(0);
    expect(cal.workingDaysBetween('2026-12-24', '2026-12-28')).toBe(0);
    expect(cal.workingDaysBetween('2026-12-23', '2026-12-29')).toBe(2);
    expect(cal.workingDaysBetween('2027-04-01', '2027-03-22')).toBe(-6);
  });

  it('nextDay: the next calendar day if working, else the next working day', () => {
    expect(cal.nextDay('2026-11-16')).toBe('2026-11-17');
    expect(cal.nextDay('2026-11-20')).toBe('2026-11-23');
    expect(cal.nextDay('2026-12-24')).toBe('2026-12-29');
    expect(cal.nextDay('2026-12-31')).toBe('2027-01-04');
    expect(cal.nextDay('2026-12-27')).toBe('2026-12-29');
  });

  it('first working day on/after and after', () => {
    expect(cal.firstWorkingDayOnOrAfter('2026-12-24')).toBe('2026-12-24');
    expect(cal.firstWorkingDayOnOrAfter('2026-12-25')).toBe('2026-12-29');
    expect(cal.firstWorkingDayAfter('2026-12-24')).toBe('2026-12-29');
    expect(cal.firstWorkingDayAfter('2027-03-25')).toBe('2027-03-30');
  });

  it('throws RangeError outside the covered years', () => {
    expect(() => cal.isWorkingDay('2031-01-02')).toThrow(RangeError);
    expect(() => cal.isBankHoliday('2017-12-25')).toThrow(/outside .*2018-2030/);
    expect(cal.addWorkingDays('2030-12-27', 2)).toBe('2030-12-31');
    expect(() => cal.addWorkingDays('2030-12-27', 3)).toThrow(RangeError);
    expect(() => cal.lastWorkingDayOnOrBefore('2018-01-01')).toThrow(RangeError);
    expect(() => cal.subtractWorkingDays('2018-01-03', 2)).toThrow(RangeError);
    expect(() => cal.nextDay('2030-12-31')).toThrow(RangeError);
    expect(() => cal.workingDaysBetween('2030-01-01', '2031-01-01')).toThrow(RangeError);
  });
});

describe('instants and London wall-clock time', () => {
  it('BST and GMT wall-clock times', () => {
    expect(cal.atLocalTime('2026-07-01', '18:00')).toBe('2026-07-01T17:00:00.000Z');
    expect(cal.atLocalTime('2026-12-01', '18:00')).toBe('2026-12-01T18:00:00.000Z');
    expect(cal.atLocalTime('2027-01-01', '16:00')).toBe('2027-01-01T16:00:00.000Z');
  });

  it('the clock changes: a skipped time moves forward, a repeated time takes its BST occurrence', () => {
    expect(cal.atLocalTime('2026-03-29', '01:30')).toBe('2026-03-29T01:30:00.000Z');
    expect(cal.atLocalTime('2026-10-25', '01:30')).toBe('2026-10-25T00:30:00.000Z');
    expect(cal.atLocalTime('2026-10-25', '02:00')).toBe('2026-10-25T02:00:00.000Z');
  });

  it('startOfDay and breachInstant are London midnight', () => {
    expect(cal.startOfDay('2026-07-01')).toBe('2026-06-30T23:00:00.000Z');
    expect(cal.startOfDay('2026-12-01')).toBe('2026-12-01T00:00:00.000Z');
    expect(cal.breachInstant('2026-06-30')).toBe('2026-06-30T23:00:00.000Z');
    expect(cal.breachInstant('2026-10-24')).toBe('2026-10-24T23:00:00.000Z');
    expect(cal.breachInstant('2026-10-25')).toBe('2026-10-26T00:00:00.000Z');
  });

  it('within N hours is clock hours, no working-day adjustment', () => {
    const start = cal.atLocalTime('2026-12-24', '09:00');
    const end = cal.addHours(start, 24);
    expect(end).toBe('2026-12-25T09:00:00.000Z');
    expect(cal.toLocalDate(end)).toBe('2026-12-25');
    expect(cal.addHours('2026-03-28T12:00:00Z', 24)).toBe('2026-03-29T12:00:00.000Z');
    expect(cal.addHours('2026-07-01T18:00:00+01:00', 1.5)).toBe('2026-07-01T18:30:00.000Z');
  });

  it('toLocalDate uses London, not UTC', () => {
    expect(cal.toLocalDate('2026-07-01T23:30:00Z')).toBe('2026-07-02');
    expect(cal.toLocalDate('2026-12-01T23:30:00Z')).toBe('2026-12-01');
    expect(cal.toLocalDate('2026-07-02T00:30:00+02:00')).toBe('2026-07-01');
  });
});

describe('malformed input', () => {
  it.each(['2026-02-30', '2026-2-3', '26-12-01', '2026-12-01T00:00:00Z', '', ' 2026-12-01', '2026-13-01'])(
    'rejects the date %j',
    (bad) => {
      expect(() => cal.addDays(bad, 1)).toThrow(CalendarInputError);
      expect(() => cal.isWorkingDay(bad)).toThrow(CalendarInputError);
    },
  );

  it('rejects non-strings, bad counts, times, weekdays and instants', () => {
    expect(() => cal.addDays(undefined as unknown as string, 1)).toThrow(/YYYY-MM-DD/);
    expect(() => cal.addDays('2026-12-01', 1.5)).toThrow(CalendarInputError);
    expect(() => cal.addWorkingDays('2026-12-01', -1)).toThrow(CalendarInputError);
    expect(() => cal.subtractWorkingDays('2026-12-01', NaN)).toThrow(CalendarInputError);
    expect(() => cal.addMonths('2026-12-01', Infinity)).toThrow(CalendarInputError);
    expect(() => cal.atLocalTime('2026-12-01', '24:00')).toThrow(CalendarInputError);
    expect(() => cal.atLocalTime('2026-12-01', '9:00')).toThrow(/HH:mm/);
    expect(() => cal.weekdayOnOrAfter('2026-12-01', 'TUESDAY' as Weekday)).toThrow(CalendarInputError);
    expect(() => cal.addHours('2026-12-18T14:00:00', 24)).toThrow(/offset/);
    expect(() => cal.addHours('2026-12-18', 24)).toThrow(CalendarInputError);
    expect(() => cal.addHours('2026-12-18T25:00:00Z', 24)).toThrow(CalendarInputError);
    expect(() => cal.addHours('2026-12-18T14:00:00Z', Number.NaN)).toThrow(CalendarInputError);
    expect(() => cal.toLocalDate('yesterday')).toThrow(CalendarInputError);
  });
});

describe('extra proclaimed holidays', () => {
  const EXTRA = '2027-06-07';

  it('adds a one-off holiday without a code change and changes the version', () => {
    const withExtra = createCalendar(ENGLAND_AND_WALES, [EXTRA]);
    expect(cal.isBankHoliday(EXTRA)).toBe(false);
    expect(withExtra.isBankHoliday(EXTRA)).toBe(true);
    expect(cal.addWorkingDays('2027-06-04', 1)).toBe('2027-06-07');
    expect(withExtra.addWorkingDays('2027-06-04', 1)).toBe('2027-06-08');
    expect(cal.version).toBe(ENGLAND_AND_WALES.version);
    expect(withExtra.version).toMatch(new RegExp(`^${ENGLAND_AND_WALES.version}\\+extra\\.[0-9a-f]{12}$`));
    expect(withExtra.bankHolidays(2027)).toContain(EXTRA);
  });

  it('versions are stable across order, duplicates and object form, and differ for different extras', () => {
    const a = createCalendar(ENGLAND_AND_WALES, ['2027-06-08', EXTRA]);
    const b = createCalendar(ENGLAND_AND_WALES, [{ date: EXTRA, title: 'Proclaimed' }, '2027-06-08', EXTRA]);
    const c = createCalendar(ENGLAND_AND_WALES, [EXTRA]);
    expect(a.version).toBe(b.version);
    expect(a.version).not.toBe(c.version);
  });

  it('rejects malformed, weekend and uncovered extras', () => {
    expect(() => createCalendar(ENGLAND_AND_WALES, ['2027-06-31'])).toThrow(CalendarInputError);
    expect(() => createCalendar(ENGLAND_AND_WALES, ['2027-06-05'])).toThrow(/SAT/);
    expect(() => createCalendar(ENGLAND_AND_WALES, ['2031-06-02'])).toThrow(RangeError);
  });

  it('rejects malformed or gappy data', () => {
    const gap = clone(ENGLAND_AND_WALES);
    gap.events = gap.events.filter((e) => !e.date.startsWith('2024-'));
    expect(() => createCalendar(gap)).toThrow(/2024 has 0 bank holidays/);
    const badDate = clone(ENGLAND_AND_WALES);
    badDate.events[0].date = '2018-02-30';
    expect(() => createCalendar(badDate)).toThrow(CalendarInputError);
    const noDivision = clone(ENGLAND_AND_WALES) as Partial<CalendarData>;
    delete noDivision.division;
    expect(() => createCalendar(noDivision as CalendarData)).toThrow(/division/);
    expect(() => createCalendar({ ...ENGLAND_AND_WALES, events: [] })).toThrow(/events/);
  });

  describe('loadCalendar', () => {
    let dir: string;
    const saved = process.env.EXTRA_BANK_HOLIDAYS;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'calendar-test-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
      if (saved === undefined) delete process.env.EXTRA_BANK_HOLIDAYS;
      else process.env.EXTRA_BANK_HOLIDAYS = saved;
    });

    it('loads the bundled data when nothing extra is configured', () => {
      const loaded = loadCalendar({ env: {} });
      expect(loaded).toBeInstanceOf(Calendar);
      expect(loaded.version).toBe(ENGLAND_AND_WALES.version);
      expect(loaded.bankHolidays()).toEqual(ENGLAND_AND_WALES.events.map((e) => e.date));
    });

    it('adds EXTRA_BANK_HOLIDAYS from the environment', () => {
      process.env.EXTRA_BANK_HOLIDAYS = ` ${EXTRA}, 2027-06-08 ,`;
      const loaded = loadCalendar();
      expect(loaded.isBankHoliday(EXTRA)).toBe(true);
      expect(loaded.isBankHoliday('2027-06-08')).toBe(true);
      expect(loaded.version).toBe(createCalendar(ENGLAND_AND_WALES, [EXTRA, '2027-06-08']).version);
      process.env.EXTRA_BANK_HOLIDAYS = '2027-06-32';
      expect(() => loadCalendar()).toThrow(CalendarInputError);
    });

    it('adds holidays from an extra holidays file, and reads a replacement data file', () => {
      const extras = join(dir, 'extra.json');
      writeFileSync(extras, JSON.stringify([{ date: EXTRA, title: 'Proclaimed' }, '2027-06-09']));
      const loaded = loadCalendar({ extraHolidaysFile: extras, env: { EXTRA_BANK_HOLIDAYS: '2027-06-08' } });
      expect(loaded.bankHolidays(2027).filter((d) => d.startsWith('2027-06'))).toEqual([EXTRA, '2027-06-08', '2027-06-09']);

      const data = join(dir, 'data.json');
      const replaced = clone(ENGLAND_AND_WALES);
      replaced.version = '2099-01-01';
      writeFileSync(data, JSON.stringify(replaced));
      expect(loadCalendar({ dataFile: data, env: {} }).version).toBe('2099-01-01');
    });

    it('reports unreadable or invalid files clearly', () => {
      const notJson = join(dir, 'bad.json');
      writeFileSync(notJson, '{');
      expect(() => loadCalendar({ extraHolidaysFile: notJson, env: {} })).toThrow(/not valid JSON/);
      const notArray = join(dir, 'obj.json');
      writeFileSync(notArray, '{"date":"2027-06-07"}');
      expect(() => loadCalendar({ extraHolidaysFile: notArray, env: {} })).toThrow(/JSON array/);
      expect(() => loadCalendar({ extraHolidaysFile: join(dir, 'missing.json'), env: {} })).toThrow(/cannot read/);
    });
  });
});

describe('cross-check with the date-holidays library (GB, England)', () => {
  const lib = new Holidays('GB', 'ENG');
  const libBankHolidays = (year: number) =>
    lib
      .getHolidays(year)
      .filter((h) => h.type === 'public' || h.type === 'bank')
      .map((h) => h.date.slice(0, 10));
  // date-holidays also lists the nominal day when it falls at a weekend (the substitute is listed too);
  // GOV.UK lists only the substitute, and a weekend holiday changes no working day.
  const NOMINAL_WEEKEND_DAYS: Record<number, string[]> = {
    2018: [], 2019: [], 2020: ['2020-12-26'], 2021: ['2021-12-25', '2021-12-26'], 2022: ['2022-01-01', '2022-12-25'],
    2023: ['2023-01-01'], 2024: [], 2025: [], 2026: ['2026-12-26'], 2027: ['2027-12-25', '2027-12-26'],
    2028: ['2028-01-01'], 2029: [], 2030: [],
  };

  it.each(Object.keys(NOMINAL_WEEKEND_DAYS).map(Number))('%i agrees', (year) => {
    const theirs = libBankHolidays(year);
    const ours = cal.bankHolidays(year);
    expect(theirs.filter((d) => !ours.includes(d)).sort()).toEqual(NOMINAL_WEEKEND_DAYS[year]);
    expect(ours.filter((d) => !theirs.includes(d))).toEqual([]);
  });
});
