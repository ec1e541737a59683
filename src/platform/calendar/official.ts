import type { CalendarYear, Country } from './index.ts'

/**
 * Each country's official working-day arrangement, as published — not as a holiday
 * library computes it (date-holidays and python-holidays miss every Russian transfer day
 * and every Chinese 调休 working weekend). Only weekdays that are off and weekend days that
 * are worked are listed; plain weekends are weekends.
 *
 * - PL: Ustawa o dniach wolnych od pracy (Wigilia, 24 Dec, a holiday from 2025); Poland
 *   moves no days, so a holiday on a weekend changes nothing here.
 * - RU: the Government's yearly decree moving days off (2025: Jan 4 → May 2, Jan 5 →
 *   Dec 31, Feb 23 → May 8, Mar 8 → Jun 13, Nov 1 → Nov 3; 2026: Jan 3 → Jan 9, Jan 4 →
 *   Dec 31), the holiday on a weekend moved to the next weekday (Mar 8 → Mar 9, May 9 →
 *   May 11 in 2026), and the shortened pre-holiday days of the production calendar (only
 *   before a holiday, not before a day moved off: 7 May 2025 is a full day).
 * - CN: 国务院办公厅关于2025年/2026年部分节假日安排的通知.
 */
export const OFFICIAL_CALENDARS: Record<Country, CalendarYear[]> = {
  PL: [
    {
      year: 2025,
      source: 'Ustawa z dnia 18 stycznia 1951 r. o dniach wolnych od pracy (Wigilia dniem wolnym od 2025 r.)',
      daysOff: [
        '2025-01-01',
        '2025-01-06',
        '2025-04-21',
        '2025-05-01',
        '2025-06-19',
        '2025-08-15',
        '2025-11-11',
        '2025-12-24',
        '2025-12-25',
        '2025-12-26',
      ],
      workingDays: [],
      shortDays: [],
    },
    {
      year: 2026,
      source: 'Ustawa z dnia 18 stycznia 1951 r. o dniach wolnych od pracy',
      daysOff: [
        '2026-01-01',
        '2026-01-06',
        '2026-04-06',
        '2026-05-01',
        '2026-06-04',
        '2026-11-11',
        '2026-12-24',
        '2026-12-25',
      ],
      workingDays: [],
      shortDays: [],
    },
  ],
  RU: [
    {
      year: 2025,
      source: 'Постановление Правительства РФ от 4 октября 2024 г. «О переносе выходных дней в 2025 году»',
      daysOff: [
        '2025-01-01',
        '2025-01-02',
        '2025-01-03',
        '2025-01-06',
        '2025-01-07',
        '2025-01-08',
        '2025-05-01',
        '2025-05-02',
        '2025-05-08',
        '2025-05-09',
        '2025-06-12',
        '2025-06-13',
        '2025-11-03',
        '2025-11-04',
        '2025-12-31',
      ],
      workingDays: ['2025-11-01'],
      shortDays: ['2025-03-07', '2025-04-30', '2025-06-11', '2025-11-01'],
    },
    {
      year: 2026,
      source: 'Постановление Правительства РФ от 24 сентября 2025 г. «О переносе выходных дней в 2026 году»',
      daysOff: [
        '2026-01-01',
        '2026-01-02',
        '2026-01-05',
        '2026-01-06',
        '2026-01-07',
        '2026-01-08',
        '2026-01-09',
        '2026-02-23',
        '2026-03-09',
        '2026-05-01',
        '2026-05-11',
        '2026-06-12',
        '2026-11-04',
        '2026-12-31',
      ],
      workingDays: [],
      shortDays: ['2026-04-30', '2026-05-08', '2026-06-11', '2026-11-03'],
    },
  ],
  CN: [
    {
      year: 2025,
      source: '国务院办公厅关于2025年部分节假日安排的通知',
      daysOff: [
        '2025-01-01',
        '2025-01-28',
        '2025-01-29',
        '2025-01-30',
        '2025-01-31',
        '2025-02-03',
        '2025-02-04',
        '2025-04-04',
        '2025-05-01',
        '2025-05-02',
        '2025-05-05',
        '2025-06-02',
        '2025-10-01',
        '2025-10-02',
        '2025-10-03',
        '2025-10-06',
        '2025-10-07',
        '2025-10-08',
      ],
      workingDays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
      shortDays: [],
    },
    {
      year: 2026,
      source: '国务院办公厅关于2026年部分节假日安排的通知',
      daysOff: [
        '2026-01-01',
        '2026-01-02',
        '2026-02-16',
        '2026-02-17',
        '2026-02-18',
        '2026-02-19',
        '2026-02-20',
        '2026-02-23',
        '2026-04-06',
        '2026-05-01',
        '2026-05-04',
        '2026-05-05',
        '2026-06-19',
        '2026-09-25',
        '2026-10-01',
        '2026-10-02',
        '2026-10-05',
        '2026-10-06',
        '2026-10-07',
      ],
      workingDays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
      shortDays: [],
    },
  ],
}
