import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
// Imported rather than read from disk so the build copies it next to the compiled module.
import bundledData from './england-and-wales.json';

export const LONDON = 'Europe/London';

export type IsoDate = string;
export type IsoInstant = string;
export type Weekday = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

export interface BankHolidayEvent {
  date: IsoDate;
  title: string;
  provisional: boolean;
  substitute?: boolean;
  proclaimed?: boolean;
}

export interface CalendarData {
  division: string;
  version: string;
  source: string;
  events: BankHolidayEvent[];
}

export interface ExtraHoliday {
  date: IsoDate;
  title?: string;
}

export class CalendarInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarInputError';
  }
}

const WEEKDAYS: readonly Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
// An instant must carry its offset, otherwise its meaning depends on the host's zone.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;
const DAY_MS = 86_400_000;
// Every England & Wales year has at least eight bank holidays; fewer means the data has a gap.
const MIN_HOLIDAYS_PER_YEAR = 8;

// A calendar date is read in UTC, not London: its label and its arithmetic are the same in any zone
// (London's clocks never skip midnight), and a fixed zone spares luxon an offset lookup per date,
// which was most of a schedule's cost.
function parseDate(d: unknown, what = 'date'): DateTime {
  if (typeof d !== 'string' || !ISO_DATE.test(d)) {
    throw new CalendarInputError(`${what} must be an ISO calendar date YYYY-MM-DD, got ${JSON.stringify(d)}`);
  }
  const dt = DateTime.fromISO(d, { zone: 'utc' });
  if (!dt.isValid) {
    throw new CalendarInputError(`${what} ${d} is not a real calendar date (${dt.invalidExplanation ?? dt.invalidReason})`);
  }
  return dt;
}

function parseInstant(s: unknown, what = 'instant'): DateTime {
  if (typeof s !== 'string' || !ISO_INSTANT.test(s)) {
    throw new CalendarInputError(
      `${what} must be an ISO 8601 date-time with an offset (e.g. 2026-12-18T14:00:00Z), got ${JSON.stringify(s)}`,
    );
  }
  const dt = DateTime.fromISO(s, { setZone: true });
  if (!dt.isValid) {
    throw new CalendarInputError(`${what} ${s} is not a valid date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  }
  return dt;
}

function requireInteger(n: unknown, what: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new CalendarInputError(`${what} must be an integer${min === 0 ? ' >= 0' : ''}, got ${String(n)}`);
  }
  return n;
}

function iso(dt: DateTime): IsoDate {
  return dt.toISODate() as IsoDate;
}

function utcIso(dt: DateTime): IsoInstant {
  return dt.toUTC().toISO() as IsoInstant;
}

// A calendar date's label does not depend on a zone, so working-day indexing uses plain day numbers.
function dayNumber(dt: DateTime): number {
  return Date.UTC(dt.year, dt.month - 1, dt.day) / DAY_MS;
}

function fromDayNumber(n: number): IsoDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

function isWeekendDt(dt: DateTime): boolean {
  return dt.weekday >= 6;
}

// ---- Calendar-day arithmetic: independent of bank holidays ----

export function assertIsoDate(d: unknown): IsoDate {
  return iso(parseDate(d));
}

export function addDays(d: IsoDate, n: number): IsoDate {
  return iso(parseDate(d).plus({ days: requireInteger(n, 'days') }));
}

export function addWeeks(d: IsoDate, n: number): IsoDate {
  return addDays(d, 7 * requireInteger(n, 'weeks'));
}

/** Luxon clamps a non-existent day to the month end: 30 Nov + 3 months = 28 Feb. */
export function addMonths(d: IsoDate, n: number): IsoDate {
  return iso(parseDate(d).plus({ months: requireInteger(n, 'months') }));
}

export function addYears(d: IsoDate, n: number): IsoDate {
  return iso(parseDate(d).plus({ years: requireInteger(n, 'years') }));
}

/** Months first, then days (DOMAIN §0.3: 5½ months = 5 months + 15 days). */
export function addMonthsAndDays(d: IsoDate, months: number, days: number): IsoDate {
  return addDays(addMonths(d, months), days);
}

/** Calendar days from a to b (b − a). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return dayNumber(parseDate(b, 'b')) - dayNumber(parseDate(a, 'a'));
}

export function weekdayOf(d: IsoDate): Weekday {
  return WEEKDAYS[parseDate(d).weekday - 1];
}

function weekdayIndex(w: unknown): number {
  const i = WEEKDAYS.indexOf(w as Weekday);
  if (i < 0) throw new CalendarInputError(`weekday must be one of ${WEEKDAYS.join(', ')}, got ${JSON.stringify(w)}`);
  return i + 1;
}

/** The first date on or after d that falls on the given weekday (e.g. the next weekly meeting). */
export function weekdayOnOrAfter(d: IsoDate, weekday: Weekday): IsoDate {
  const dt = parseDate(d);
  return iso(dt.plus({ days: (weekdayIndex(weekday) - dt.weekday + 7) % 7 }));
}

export function weekdayAfter(d: IsoDate, weekday: Weekday): IsoDate {
  return weekdayOnOrAfter(addDays(d, 1), weekday);
}

// ---- Instants and Europe/London wall-clock times ----

export function addHours(instant: IsoInstant, h: number): IsoInstant {
  if (typeof h !== 'number' || !Number.isFinite(h)) throw new CalendarInputError(`hours must be a finite number, got ${String(h)}`);
  return utcIso(parseInstant(instant).plus({ hours: h }));
}

// A schedule asks for the same few London times (midnights mostly) many times over, and finding a
// zone's offset is luxon's slowest step: the answers are kept, a bounded number of them.
const LOCAL_TIMES_KEPT = 20_000;
const localTimes = new Map<string, IsoInstant>();

/**
 * The instant at which London clocks show `hhmm` on date d. Disambiguation follows the JS Temporal
 * "compatible" rule: a time skipped by the spring change moves forward, a repeated autumn time takes
 * its first (BST) occurrence.
 */
export function atLocalTime(d: IsoDate, hhmm: string): IsoInstant {
  const key = `${d} ${hhmm}`;
  const known = typeof d === 'string' && typeof hhmm === 'string' ? localTimes.get(key) : undefined;
  if (known !== undefined) return known;
  const instant = londonInstant(d, hhmm);
  if (localTimes.size >= LOCAL_TIMES_KEPT) localTimes.clear();
  localTimes.set(key, instant);
  return instant;
}

function londonInstant(d: IsoDate, hhmm: string): IsoInstant {
  const date = parseDate(d);
  const m = typeof hhmm === 'string' ? HH_MM.exec(hhmm) : null;
  if (!m) throw new CalendarInputError(`time must be HH:mm (00:00-23:59), got ${JSON.stringify(hhmm)}`);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const dt = DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone: LONDON });
  const earlier = dt.minus({ hours: 1 });
  const repeated = earlier.hour === hour && earlier.minute === minute && earlier.day === dt.day;
  return utcIso(repeated ? earlier : dt);
}

export function startOfDay(d: IsoDate): IsoInstant {
  return atLocalTime(d, '00:00');
}

/** A "within" deadline is breached at the first instant of the day after the due date. */
export function breachInstant(dueDate: IsoDate): IsoInstant {
  return startOfDay(addDays(dueDate, 1));
}

export function toLocalDate(instant: IsoInstant): IsoDate {
  return iso(parseInstant(instant).setZone(LONDON));
}

// ---- Bank holidays and working days ----

function stableHash(values: readonly string[]): string {
  return createHash('sha256').update(values.join(',')).digest('hex').slice(0, 12);
}

function validateData(data: unknown): CalendarData {
  const fail = (msg: string): never => {
    throw new CalendarInputError(`bank-holiday data is malformed: ${msg}`);
  };
  if (typeof data !== 'object' || data === null) return fail('not an object');
  const d = data as Partial<CalendarData>;
  if (typeof d.division !== 'string' || d.division === '') fail('division missing');
  if (typeof d.version !== 'string' || d.version === '') fail('version missing');
  if (!Array.isArray(d.events) || d.events.length === 0) return fail('events missing or empty');
  d.events.forEach((e: unknown, i) => {
    const ev = e as Partial<BankHolidayEvent> | null;
    if (typeof ev !== 'object' || ev === null) fail(`event ${i} is not an object`);
    else {
      try {
        parseDate(ev.date, `event ${i} date`);
      } catch (err) {
        fail((err as Error).message);
      }
      if (typeof ev.title !== 'string') fail(`event ${i} (${ev.date}) has no title`);
      if (typeof ev.provisional !== 'boolean') fail(`event ${i} (${ev.date}) has no provisional flag`);
    }
  });
  return d as CalendarData;
}

export class Calendar {
  readonly division: string;
  readonly dataVersion: string;
  readonly source: string;
  /** Data version plus a hash of the extra holidays, so a decision can record which calendar it used. */
  readonly version: string;
  private readonly from: number;
  private readonly to: number;
  private readonly holidays: ReadonlySet<IsoDate>;
  private readonly provisionalYears: ReadonlySet<number>;
  private readonly firstDay: number;
  /** workingUpTo[i] = number of working days in [firstDay, firstDay + i]. */
  private readonly workingUpTo: Int32Array;
  /** Day numbers of all working days in coverage, ascending. */
  private readonly workingDays: Int32Array;

  constructor(data: CalendarData, extraHolidays: readonly (IsoDate | ExtraHoliday)[] = []) {
    const valid = validateData(data);
    this.division = valid.division;
    this.dataVersion = valid.version;
    this.source = valid.source;

    const dates = valid.events.map((e) => e.date);
    const years = dates.map((d) => Number(d.slice(0, 4)));
    this.from = Math.min(...years);
    this.to = Math.max(...years);
    for (let y = this.from; y <= this.to; y++) {
      const count = years.filter((x) => x === y).length;
      if (count < MIN_HOLIDAYS_PER_YEAR) {
        throw new CalendarInputError(
          `bank-holiday data is malformed: ${y} has ${count} bank holidays (at least ${MIN_HOLIDAYS_PER_YEAR} expected)`,
        );
      }
    }
    this.provisionalYears = new Set(valid.events.filter((e) => e.provisional).map((e) => Number(e.date.slice(0, 4))));

    const extras = [...new Set(extraHolidays.map((x) => assertIsoDate(typeof x === 'string' ? x : x?.date)))].sort();
    for (const x of extras) {
      const dt = parseDate(x);
      if (dt.year < this.from || dt.year > this.to) {
        throw new RangeError(`extra bank holiday ${x} is outside the calendar's covered years ${this.from}-${this.to}`);
      }
      if (isWeekendDt(dt)) {
        throw new CalendarInputError(`extra bank holiday ${x} is a ${weekdayOf(x)}; a weekend holiday would change nothing`);
      }
    }
    this.version = extras.length === 0 ? valid.version : `${valid.version}+extra.${stableHash(extras)}`;
    this.holidays = new Set([...dates, ...extras]);

    this.firstDay = Date.UTC(this.from, 0, 1) / DAY_MS;
    const lastDay = Date.UTC(this.to, 11, 31) / DAY_MS;
    const span = lastDay - this.firstDay + 1;
    this.workingUpTo = new Int32Array(span);
    const working: number[] = [];
    for (let i = 0; i < span; i++) {
      const n = this.firstDay + i;
      const weekday = new Date(n * DAY_MS).getUTCDay();
      if (weekday !== 0 && weekday !== 6 && !this.holidays.has(fromDayNumber(n))) working.push(n);
      this.workingUpTo[i] = working.length;
    }
    this.workingDays = Int32Array.from(working);
  }

  /** Years (inclusive) for which bank holidays are known; working-day math outside them throws RangeError. */
  coverage(): { from: number; to: number } {
    return { from: this.from, to: this.to };
  }

  /** True when the year's holidays are not yet published by GOV.UK (derived from the standing rules). */
  isProvisionalYear(year: number): boolean {
    return this.provisionalYears.has(year);
  }

  /** All bank holidays (data plus extras), optionally for one year, ascending. */
  bankHolidays(year?: number): IsoDate[] {
    return [...this.holidays].filter((d) => year === undefined || d.startsWith(`${year}-`)).sort();
  }

  private index(d: IsoDate, what = 'date'): number {
    const dt = parseDate(d, what);
    if (dt.year < this.from || dt.year > this.to) {
      throw new RangeError(
        `${what} ${d} is outside the bank-holiday calendar's covered years ${this.from}-${this.to} (${this.division} data ${this.dataVersion}); extend the data`,
      );
    }
    return dayNumber(dt) - this.firstDay;
  }

  private workingDayAt(k: number, d: IsoDate, direction: 'after' | 'before'): IsoDate {
    if (k < 0 || k >= this.workingDays.length) {
      throw new RangeError(
        `working-day arithmetic ${direction} ${d} runs outside the bank-holiday calendar's covered years ${this.from}-${this.to}`,
      );
    }
    return fromDayNumber(this.workingDays[k]);
  }

  /** Working days in [start of coverage, d]. */
  private countUpTo(d: IsoDate): number {
    return this.workingUpTo[this.index(d)];
  }

  isBankHoliday(d: IsoDate): boolean {
    this.index(d);
    return this.holidays.has(d);
  }

  isWorkingDay(d: IsoDate): boolean {
    const i = this.index(d);
    return this.workingUpTo[i] !== (i === 0 ? 0 : this.workingUpTo[i - 1]);
  }

  /** The n-th working day strictly after d; n = 0 returns d. */
  addWorkingDays(d: IsoDate, n: number): IsoDate {
    requireInteger(n, 'working days', 0);
    if (n === 0) return assertIsoDate(d);
    return this.workingDayAt(this.countUpTo(d) + n - 1, d, 'after');
  }

  /** The n-th working day strictly before d; n = 0 returns d. */
  subtractWorkingDays(d: IsoDate, n: number): IsoDate {
    requireInteger(n, 'working days', 0);
    if (n === 0) return assertIsoDate(d);
    const strictlyBefore = this.countUpTo(d) - (this.isWorkingDay(d) ? 1 : 0);
    return this.workingDayAt(strictlyBefore - n, d, 'before');
  }

  /** Working days in (a, b]; negative when b is before a. */
  workingDaysBetween(a: IsoDate, b: IsoDate): number {
    return this.workingUpTo[this.index(b, 'b')] - this.workingUpTo[this.index(a, 'a')];
  }

  /** "By the next day": the next calendar day, or the first working day after it if it is not one. */
  nextDay(d: IsoDate): IsoDate {
    return this.firstWorkingDayOnOrAfter(addDays(d, 1));
  }

  /** practicalDue of a human deadline (DOMAIN §0.3). */
  lastWorkingDayOnOrBefore(d: IsoDate): IsoDate {
    return this.workingDayAt(this.countUpTo(d) - 1, d, 'before');
  }

  firstWorkingDayOnOrAfter(d: IsoDate): IsoDate {
    return this.workingDayAt(this.countUpTo(d) - (this.isWorkingDay(d) ? 1 : 0), d, 'after');
  }

  firstWorkingDayAfter(d: IsoDate): IsoDate {
    return this.workingDayAt(this.countUpTo(d), d, 'after');
  }

  addDays(d: IsoDate, n: number): IsoDate {
    return addDays(d, n);
  }

  addWeeks(d: IsoDate, n: number): IsoDate {
    return addWeeks(d, n);
  }

  addMonths(d: IsoDate, n: number): IsoDate {
    return addMonths(d, n);
  }

  addYears(d: IsoDate, n: number): IsoDate {
    return addYears(d, n);
  }

  addMonthsAndDays(d: IsoDate, months: number, days: number): IsoDate {
    return addMonthsAndDays(d, months, days);
  }

  daysBetween(a: IsoDate, b: IsoDate): number {
    return daysBetween(a, b);
  }

  weekdayOf(d: IsoDate): Weekday {
    return weekdayOf(d);
  }

  weekdayOnOrAfter(d: IsoDate, weekday: Weekday): IsoDate {
    return weekdayOnOrAfter(d, weekday);
  }

  weekdayAfter(d: IsoDate, weekday: Weekday): IsoDate {
    return weekdayAfter(d, weekday);
  }

  addHours(instant: IsoInstant, h: number): IsoInstant {
    return addHours(instant, h);
  }

  atLocalTime(d: IsoDate, hhmm: string): IsoInstant {
    return atLocalTime(d, hhmm);
  }

  startOfDay(d: IsoDate): IsoInstant {
    return startOfDay(d);
  }

  breachInstant(dueDate: IsoDate): IsoInstant {
    return breachInstant(dueDate);
  }

  toLocalDate(instant: IsoInstant): IsoDate {
    return toLocalDate(instant);
  }
}

export function createCalendar(data: CalendarData, extraHolidays: readonly (IsoDate | ExtraHoliday)[] = []): Calendar {
  return new Calendar(data, extraHolidays);
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CalendarInputError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CalendarInputError(`${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Extra holidays file: a JSON array of "YYYY-MM-DD" strings or {date, title} objects. */
function readExtraHolidaysFile(file: string): (IsoDate | ExtraHoliday)[] {
  const json = readJson(file, 'extra bank holidays file');
  if (!Array.isArray(json)) {
    throw new CalendarInputError(`extra bank holidays file ${file} must contain a JSON array of dates or {date, title} objects`);
  }
  return json as (IsoDate | ExtraHoliday)[];
}

/** The England & Wales data shipped with this module. */
export const ENGLAND_AND_WALES: CalendarData = bundledData;

export interface LoadCalendarOptions {
  /** A replacement data file of the same shape; defaults to the bundled england-and-wales.json. */
  dataFile?: string;
  extraHolidaysFile?: string;
  /** Defaults to process.env; EXTRA_BANK_HOLIDAYS is a comma-separated list of ISO dates. */
  env?: Readonly<Record<string, string | undefined>>;
}

export function loadCalendar(opts: LoadCalendarOptions = {}): Calendar {
  const data =
    opts.dataFile === undefined ? ENGLAND_AND_WALES : (readJson(opts.dataFile, 'bank-holiday data file') as CalendarData);
  const extras: (IsoDate | ExtraHoliday)[] = [];
  if (opts.extraHolidaysFile !== undefined) extras.push(...readExtraHolidaysFile(opts.extraHolidaysFile));
  const fromEnv = (opts.env ?? process.env).EXTRA_BANK_HOLIDAYS;
  if (fromEnv !== undefined) {
    extras.push(...fromEnv.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  }
  return new Calendar(data, extras);
}
