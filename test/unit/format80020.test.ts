import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  Malformed80020Error,
  detectEncoding,
  read80020,
  type Interval80020,
  type Item80020,
} from '../../src/modules/readings/amr/format80020.ts'
import { encodeWindows1251 } from '../../src/simulator/windows1251.ts'

/** The bytes in chunks of `size`, so that a multi-byte character or a tag is split across them. */
function chunked(bytes: Uint8Array, size = 7): AsyncIterable<Uint8Array> {
  const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
    bytes.subarray(i * size, (i + 1) * size),
  )
  return Readable.from(chunks, { objectMode: true }) as AsyncIterable<Uint8Array>
}

async function read(bytes: Uint8Array) {
  const encoding = await detectEncoding(chunked(bytes))
  const items: Item80020[] = []
  for await (const item of read80020(chunked(bytes), encoding)) items.push(item)
  return { encoding, items, intervals: items.flatMap((i) => ('interval' in i ? [i.interval] : [])) }
}

const utf8 = (text: string) => new TextEncoder().encode(text)

/** A document shaped like the samples in REFERENCE.md, with a body of our choosing. */
const document = (
  body: string,
  declaration = '<?xml version="1.0" encoding="windows-1251"?>',
  day = '20260115',
) =>
  `${declaration}
<message class="80020" version="2" number="1056">
  <datetime><timestamp>20260116040922</timestamp><daylightsavingtime>0</daylightsavingtime><day>${day}</day></datetime>
  <sender><name>ООО Энергоучёт</name><inn>5257072937</inn></sender>
  <area timezone="1"><name>Нижегородская область</name><inn>1328903069</inn>
${body}
  </area>
</message>`

const point = `    <measuringpoint code="131150001113003" name="ТГ-4">
      <measuringchannel code="01" desc="A+"><period start="0000" end="0030"><value status="0">48845</value></period><period start="0030" end="0100"><value>12,5</value></period></measuringchannel>
      <measuringchannel code="02" desc="A-"><period start="2300" end="0000"><value status="1"></value></period></measuringchannel>
    </measuringpoint>`

/** What `point` holds, written out by hand. */
const POINT_INTERVALS: Interval80020[] = [
  {
    area: { inn: '1328903069', name: 'Нижегородская область' },
    point: { kind: 'measuringpoint', code: '131150001113003', name: 'ТГ-4' },
    channel: '01',
    start: '00:00',
    end: '00:30',
    minutes: 30,
    value: '48845',
    status: '0',
    summer: false,
  },
  {
    area: { inn: '1328903069', name: 'Нижегородская область' },
    point: { kind: 'measuringpoint', code: '131150001113003', name: 'ТГ-4' },
    channel: '01',
    start: '00:30',
    end: '01:00',
    minutes: 30,
    value: '12.5',
    status: null,
    summer: false,
  },
  {
    area: { inn: '1328903069', name: 'Нижегородская область' },
    point: { kind: 'measuringpoint', code: '131150001113003', name: 'ТГ-4' },
    channel: '02',
    start: '23:00',
    end: '24:00',
    minutes: 60,
    value: null,
    status: '1',
    summer: false,
  },
]

describe('80020 documents', () => {
  it.each([
    ['windows-1251 with its declaration', encodeWindows1251(document(point)), 'windows-1251'],
    [
      'windows-1251 without a declaration',
      encodeWindows1251(document(point, '<?xml version="1.0"?>')),
      'windows-1251',
    ],
    ['UTF-8 that claims windows-1251', utf8(document(point)), 'utf-8'],
    ['UTF-8 with a BOM', utf8(`\ufeff${document(point, '<?xml version="1.0" encoding="UTF-8"?>')}`), 'utf-8'],
  ])('reads %s, split anywhere, by what the bytes are', async (_, bytes, expected) => {
    const { encoding, items, intervals } = await read(bytes)
    expect(encoding).toBe(expected)
    expect(items[0]).toEqual({
      header: {
        number: '1056',
        day: '2026-01-15',
        daylightSavingTime: 0,
        sender: { inn: '5257072937', name: 'ООО Энергоучёт' },
      },
    })
    expect(intervals).toEqual(POINT_INTERVALS)
  })

  it('takes the day from <day> whatever else says otherwise, and delivery points and groups like meters', async () => {
    const body = `<deliverypoint code="DP-1"><measuringchannel code="03"><period start="1200" end="1300"><value>-4</value></period></measuringchannel></deliverypoint>
      <deliverygroup code="G-1"><measuringchannel code="04"><period start="1300" end="1330" summer="1"><value>0</value></period></measuringchannel></deliverygroup>
      <peretok codefrom="A" codeto="B"><measuringchannel code="01"><period start="0000" end="0030"><value>7</value></period></measuringchannel></peretok>`
    const { items, intervals } = await read(utf8(document(body, '<?xml version="1.0"?>', '20251026')))
    expect(items[0]).toMatchObject({ header: { day: '2025-10-26' } })
    expect(
      intervals.map((i) => [i.point.kind, i.point.code, i.channel, i.start, i.end, i.value, i.summer]),
    ).toEqual([
      ['deliverypoint', 'DP-1', '03', '12:00', '13:00', '-4', false],
      ['deliverygroup', 'G-1', '04', '13:00', '13:30', '0', true],
    ])
    expect(items.filter((i) => 'skipped' in i)).toEqual([{ skipped: 'peretok' }])
  })

  it.each([
    ['broken XML', document(point).replace('</measuringpoint>', ''), 10, /close tag/, { key: 'xml' }],
    [
      'another message class',
      document(point).replace('class="80020"', 'class="80040"'),
      2,
      /80020/,
      { key: 'notMessage' },
    ],
    [
      'a day that is not a date',
      document(point, undefined, '2026-01-15'),
      3,
      /2026-01-15/,
      { key: 'day', params: { day: '2026-01-15' } },
    ],
    [
      'a period that is not HHMM',
      document(point).replace('start="0030"', 'start="30"'),
      7,
      /"30"/,
      { key: 'period', params: { start: '30', end: '0100' } },
    ],
    [
      'a 45-minute period',
      document(point).replace('end="0030"', 'end="0045"'),
      7,
      /45 minutes/,
      { key: 'periodLength', params: { minutes: 45 } },
    ],
    [
      'a value that is not a number',
      document(point).replace('48845', '48 845'),
      7,
      /48 845/,
      { key: 'value', params: { value: '48 845' } },
    ],
    ['an empty file', '', 1, /empty/, { key: 'empty' }],
  ])(
    'refuses %s with its line, its reason and the words every language has for it',
    async (_, text, line, reason, refusal) => {
      const error = await read(utf8(text)).catch((err: unknown) => err)
      expect(error).toBeInstanceOf(Malformed80020Error)
      expect((error as Malformed80020Error).line).toBe(line)
      expect((error as Malformed80020Error).reason).toMatch(reason)
      expect((error as Malformed80020Error).refusal).toMatchObject(refusal)
    },
  )
})
