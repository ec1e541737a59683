import type { Refusal } from './refusal.ts'
import { SaxesParser } from 'saxes'

/**
 * The 80020 XML format of the Russian wholesale market (REFERENCE.md "AMR data"), read as a
 * stream: SAX events in, one interval value out at a time, never a DOM of the file, so a
 * file of 10,000 points × 4 channels × 48 periods is read in constant memory.
 *
 * What real files do, and what this reader does about it:
 * - windows-1251 bytes with or without a declaration, or UTF-8: the bytes decide (see
 *   `detectEncoding`), never the declaration alone;
 * - an empty `<value>` is a missing value (null), never 0; decimal commas are read as points;
 * - 30- and 60-minute periods in one file (per channel), `end="0000"` meaning 24:00;
 * - `measuringpoint`, `deliverypoint` and `deliverygroup` of the same shape; flows between
 *   areas (`peretok`) are counted and skipped, as are unknown elements;
 * - `<datetime><day>` is the day of every period, whatever the file is called.
 */

export type Encoding80020 = 'utf-8' | 'windows-1251'

export type PointKind = 'measuringpoint' | 'deliverypoint' | 'deliverygroup'

export interface Header80020 {
  number: string | null
  /** The delivery day of every period in the file, YYYY-MM-DD (local to the area). */
  day: string
  /** 0 ordinary, 1 summer time, 2 the day the clocks change. */
  daylightSavingTime: number
  sender: { inn: string | null; name: string | null }
}

export interface Interval80020 {
  area: { inn: string | null; name: string | null }
  point: { kind: PointKind; code: string; name: string | null }
  /** '01' A+, '02' A−, '03' R+, '04' R−; other codes are passed on as they are. */
  channel: string
  /** Local clock time of the period, 'HH:MM' (end '24:00' for the day's last). */
  start: string
  end: string
  minutes: number
  /** The value as a decimal string (a point, never a comma); null when the file says none. */
  value: string | null
  status: string | null
  /** The period is after the switch to summer time on a switch day (`summer="1"`). */
  summer: boolean
}

export type Item80020 = { header: Header80020 } | { interval: Interval80020 } | { skipped: 'peretok' }

/** The file is not an 80020 document: where and why, for the person who uploaded it. */
export class Malformed80020Error extends Error {
  readonly line: number
  readonly reason: string
  readonly refusal: Refusal
  constructor(line: number, reason: string, refusal: Refusal) {
    super(`line ${line}: ${reason}`)
    this.line = line
    this.reason = reason
    this.refusal = refusal
  }
}

/**
 * UTF-8 when the bytes are valid UTF-8 (a UTF-8 BOM, or pure ASCII, counts), otherwise
 * windows-1251. A windows-1251 file that happens to be valid UTF-8 would need Cyrillic
 * byte pairs that spell UTF-8 sequences; the names in these files never do.
 */
export async function detectEncoding(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Encoding80020> {
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of chunks) utf8.decode(chunk, { stream: true })
    utf8.decode()
    return 'utf-8'
  } catch {
    return 'windows-1251'
  }
}

const POINTS = new Set<string>(['measuringpoint', 'deliverypoint', 'deliverygroup'])
const HHMM = /^([01]\d|2[0-3])([0-5]\d)$/
const DAY = /^(\d{4})(\d{2})(\d{2})$/
const NUMBER = /^-?\d+(\.\d+)?$/

/** A period's bounds as the file gives them, checked and in clock time. */
type Span = { start: string; end: string; minutes: number } | { refused: Refusal; reason: string }

const clock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`

/** A period from its HHMM bounds; `end` 0000 is midnight at the end of the day. */
function span(start: string, end: string): Span {
  const s = HHMM.exec(start)
  const e = HHMM.exec(end)
  const from = s ? Number(s[1]) * 60 + Number(s[2]) : 0
  const to = !e ? 0 : end === '0000' ? 1440 : Number(e[1]) * 60 + Number(e[2])
  if (!s || !e || to <= from)
    return {
      reason: `a period from "${start}" to "${end}"`,
      refused: { key: 'period', params: { start, end } },
    }
  const minutes = to - from
  if (![15, 30, 60].includes(minutes))
    return {
      reason: `a period of ${minutes} minutes (15, 30 or 60 expected)`,
      refused: { key: 'periodLength', params: { minutes } },
    }
  return { start: clock(from), end: clock(to), minutes }
}

/**
 * The items of an 80020 document, in file order: its header first (once `<day>` is read),
 * then every period's value. Throws Malformed80020Error with the line of the first
 * problem; what was yielded before it is the caller's to discard (an import is all or
 * nothing).
 */
export async function* read80020(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  encoding: Encoding80020,
): AsyncGenerator<Item80020> {
  for await (const items of read80020Batches(chunks, encoding)) yield* items
}

/**
 * `read80020`'s items a chunk's worth at a time: what a bulk load reads, since a million
 * values passed one by one through an async generator cost more than parsing them.
 */
export async function* read80020Batches(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  encoding: Encoding80020,
): AsyncGenerator<Item80020[]> {
  const decoder = new TextDecoder(encoding)
  const parser = new SaxesParser({ position: true })
  const out: Item80020[] = []
  let failure: Malformed80020Error | undefined
  const fail = (reason: string, refusal: Refusal) => {
    failure ??= new Malformed80020Error(parser.line, reason, refusal)
  }

  /** The open elements' names, outermost first. */
  const path: string[] = []
  let text = ''
  let sawMessage = false
  let header: Header80020 | undefined
  const pending = {
    number: null as string | null,
    day: '',
    dst: 0,
    senderInn: null as string | null,
    senderName: null as string | null,
  }
  // Replaced, never changed, once given out: the intervals of an area share it.
  let area: Interval80020['area'] = { inn: null, name: null }
  // A file has a few dozen distinct periods and a million values.
  const spans = new Map<string, Span>()
  let point: Interval80020['point'] | undefined
  let channel: string | undefined
  let period: { start: string; end: string; minutes: number; summer: boolean } | undefined
  let value: { text: string; status: string | null } | undefined
  let sawValue = false

  parser.on('error', (err) => {
    const detail = err.message.replace(/^(?:.*?:)?\d+:\d+: /, '')
    fail(detail, { key: 'xml', detail })
  })
  parser.on('opentag', (tag) => {
    const name = tag.name
    const attr = (key: string) => {
      const v = tag.attributes[key]
      return typeof v === 'string' ? v.trim() : undefined
    }
    const parent = path.at(-1)
    path.push(name)
    text = ''
    if (path.length === 1) {
      if (name !== 'message' || attr('class') !== '80020')
        fail('not an 80020 message (<message class="80020">)', { key: 'notMessage' })
      sawMessage = true
      pending.number = attr('number') ?? null
      return
    }
    if (name === 'area' && parent === 'message') {
      // The header is complete once the first area opens: <datetime> and <sender> precede it.
      if (!header) {
        if (!pending.day) return fail('<area> before <datetime><day>', { key: 'areaBeforeDay' })
        header = {
          number: pending.number,
          day: pending.day,
          daylightSavingTime: pending.dst,
          sender: { inn: pending.senderInn, name: pending.senderName },
        }
        out.push({ header })
      }
      area = { inn: null, name: null }
    } else if (POINTS.has(name) && parent === 'area') {
      const code = attr('code')
      if (!code) return fail(`<${name}> without a code`, { key: 'noCode', params: { element: name } })
      point = { kind: name as PointKind, code, name: attr('name') ?? null }
    } else if (name === 'measuringchannel' && point && parent === point.kind) {
      const code = attr('code')
      if (!code)
        return fail('<measuringchannel> without a code', {
          key: 'noCode',
          params: { element: 'measuringchannel' },
        })
      channel = code
    } else if (name === 'period' && channel && parent === 'measuringchannel') {
      const start = attr('start') ?? ''
      const end = attr('end') ?? ''
      const key = `${start}-${end}`
      let checked = spans.get(key)
      if (!checked) spans.set(key, (checked = span(start, end)))
      if ('refused' in checked) return fail(checked.reason, checked.refused)
      period = { ...checked, summer: attr('summer') === '1' }
      sawValue = false
    } else if (name === 'value' && period && parent === 'period') {
      value = { text: '', status: attr('status') ?? null }
    } else if (name === 'peretok' && parent === 'area') {
      out.push({ skipped: 'peretok' })
    }
  })
  parser.on('text', (t) => {
    text += t
    if (value) value.text += t
  })
  parser.on('cdata', (t) => {
    text += t
    if (value) value.text += t
  })
  parser.on('closetag', (tag) => {
    const name = tag.name
    const parent = path.at(-2)
    const grand = path.at(-3)
    const content = text.trim()
    path.pop()
    text = ''
    if (name === 'day' && parent === 'datetime') {
      const d = DAY.exec(content)
      if (!d)
        return fail(`the day "${content}" (YYYYMMDD expected)`, { key: 'day', params: { day: content } })
      pending.day = `${d[1]}-${d[2]}-${d[3]}`
    } else if (name === 'daylightsavingtime' && parent === 'datetime') {
      pending.dst = Number(content) || 0
    } else if (name === 'inn' && parent === 'sender') pending.senderInn = content || null
    else if (name === 'name' && parent === 'sender') pending.senderName = content || null
    else if (name === 'datetime' && parent === 'message') {
      if (!pending.day) return fail('<datetime> without a <day>', { key: 'datetimeNoDay' })
    } else if (name === 'inn' && parent === 'area') area = { ...area, inn: content || null }
    else if (name === 'name' && parent === 'area' && grand === 'message')
      area = { ...area, name: content || null }
    else if (name === 'value' && value && period && point && channel) {
      const raw = value.text.trim().replace(',', '.')
      if (raw !== '' && !NUMBER.test(raw))
        return fail(`the value "${value.text.trim()}"`, {
          key: 'value',
          params: { value: value.text.trim() },
        })
      out.push({
        interval: {
          area,
          point,
          channel,
          ...period,
          value: raw === '' ? null : raw,
          status: value.status,
        },
      })
      sawValue = true
      value = undefined
    } else if (name === 'period' && period) {
      if (!sawValue)
        fail(`a period from ${period.start} without a <value>`, {
          key: 'periodNoValue',
          params: { start: period.start },
        })
      period = undefined
    } else if (name === 'measuringchannel') channel = undefined
    else if (POINTS.has(name) && point?.kind === name) point = undefined
  })

  let bytes = 0
  for await (const chunk of chunks) {
    bytes += chunk.length
    parser.write(decoder.decode(chunk, { stream: true }))
    if (failure) throw failure
    if (out.length) yield out.splice(0)
  }
  if (bytes === 0) fail('the file is empty', { key: 'empty' })
  parser.write(decoder.decode())
  parser.close()
  if (!sawMessage) fail('no <message>', { key: 'noMessage' })
  if (!header) fail('no <area> after <datetime><day>', { key: 'noArea' })
  if (failure) throw failure
  if (out.length) yield out.splice(0)
}
