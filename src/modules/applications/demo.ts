import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { TypeDefinition, type Texts } from './definition.ts'

const T = (en: string, pl: string, ru: string, zh: string): Texts => ({ en, pl, ru, 'zh-CN': zh })

const ADDRESS = {
  code: 'address',
  kind: 'address',
  required: true,
  label: T('Address of the premises', 'Adres obiektu', 'Адрес объекта', '用电地址'),
} as const
const METER = {
  code: 'meter',
  kind: 'text',
  required: true,
  label: T('Meter number', 'Numer licznika', 'Номер прибора учёта', '电表编号'),
} as const
const SCAN = {
  code: 'scan',
  required: false,
  kinds: ['pdf', 'jpeg', 'png'],
  label: T(
    'Signed application (scan)',
    'Podpisany wniosek (skan)',
    'Подписанная заявка (скан)',
    '签字的申请书（扫描件）',
  ),
} as const

const tpInfo = (months: string, monthsEn: string) =>
  T(
    `Timeline: the connection works are done within ${monthsEn} of the connection contract, as the grid connection rules set for this capacity.\n\nProcedure: 1. Download the application form below, fill it in and sign it. 2. Send it here with the documents. 3. We prepare the contract and technical conditions. 4. You carry out your part of the works; we carry out ours. 5. We check the technical conditions and sign the acts.\n\nPayment: the fee for connection is set by the regional tariff regulator; the contract states the amount. Pay by the invoice attached to the contract.`,
    `Terminy: prace przyłączeniowe wykonujemy w ciągu ${months === '4 месяцев' ? '4 miesięcy' : months === '6 месяцев' ? '6 miesięcy' : '1 roku'} od zawarcia umowy.\n\nProcedura: 1. Pobierz formularz wniosku, wypełnij go i podpisz. 2. Wyślij go tutaj z dokumentami. 3. Przygotujemy umowę i warunki techniczne. 4. Każda strona wykonuje swoją część prac. 5. Sprawdzamy spełnienie warunków i podpisujemy protokoły.\n\nOpłata: wysokość opłaty ustala regionalny organ regulacji taryf; kwota jest w umowie.`,
    `Сроки: мероприятия по технологическому присоединению выполняются в течение ${months} со дня заключения договора — как установлено Правилами технологического присоединения для этой мощности.\n\nПорядок: 1. Скачайте типовую форму заявки ниже, заполните и подпишите её. 2. Отправьте её здесь вместе с документами. 3. Мы подготовим договор и технические условия. 4. Вы выполняете свою часть мероприятий, мы — свою. 5. Мы проверяем выполнение технических условий и оформляем акты.\n\nОплата: размер платы за технологическое присоединение устанавливает региональный орган регулирования тарифов; сумма указывается в договоре. Оплата — по счёту, приложенному к договору.`,
    `期限：并网工程在签订接入合同后${monthsEn === '4 months' ? '4个月' : monthsEn === '6 months' ? '6个月' : '1年'}内完成。\n\n流程：1. 下载申请表，填写并签字。2. 连同材料在此提交。3. 我们准备合同和技术条件。4. 双方各自完成工程。5. 我们核查技术条件并签署验收文件。\n\n费用：接入费由地区价格主管部门核定，金额以合同为准。`,
  )

function tp(
  code: string,
  name: Texts,
  description: Texts,
  maxKw: number | undefined,
  months: [string, string],
  extra: object[] = [],
  audience: 'all' | 'individual' | 'legal' = 'all',
) {
  return {
    code,
    definition: {
      name,
      description,
      info: tpInfo(months[0], months[1]),
      prefix: 'TP',
      workflow: 'tp',
      audience,
      // An installer (a representative) files many of these: the customer confirms them.
      customerConfirms: true,
      reviewDays: 10,
      // The contract within 10 working days; the works within the rules' months for the
      // capacity (as calendar days); then the check and the acts.
      deadlines: {
        contract: { days: 10, kind: 'working' },
        works: {
          days: months[1] === '4 months' ? 120 : months[1] === '6 months' ? 180 : 365,
          kind: 'calendar',
        },
        checking: { days: 10, kind: 'working' },
        acts: { days: 5, kind: 'working' },
      },
      active: true,
      fields: [
        {
          code: 'capacity',
          kind: 'capacity',
          required: true,
          unit: 'kW',
          min: 0,
          ...(maxKw ? { max: maxKw } : {}),
          label: T(
            'Maximum capacity requested',
            'Wnioskowana moc przyłączeniowa',
            'Максимальная мощность',
            '申请最大功率',
          ),
        },
        ADDRESS,
        {
          code: 'voltage',
          kind: 'select',
          required: false,
          label: T('Voltage level', 'Poziom napięcia', 'Уровень напряжения', '电压等级'),
          options: [
            { code: 'v04', label: T('0.4 kV', '0,4 kV', '0,4 кВ', '0.4千伏') },
            { code: 'v10', label: T('6–10 kV', '6–10 kV', '6–10 кВ', '6–10千伏') },
          ],
        },
        ...extra,
      ],
      documents: [
        {
          code: 'plan',
          required: true,
          kinds: ['pdf', 'jpeg', 'png'],
          label: T(
            'Site plan with the devices to connect',
            'Plan sytuacyjny',
            'План расположения энергопринимающих устройств',
            '用电设备位置图',
          ),
        },
        {
          code: 'title',
          required: true,
          kinds: ['pdf', 'jpeg', 'png', 'zip'],
          label: T(
            'Documents of title to the premises',
            'Tytuł prawny do nieruchomości',
            'Правоустанавливающие документы на объект',
            '产权证明文件',
          ),
        },
        SCAN,
      ],
    },
  }
}

const short = (
  code: string,
  prefix: string,
  name: Texts,
  description: Texts,
  days: number,
  fields: object[],
) => ({
  code,
  definition: {
    name,
    description,
    info: {},
    prefix,
    workflow: 'short',
    reviewDays: days,
    active: true,
    fields,
    documents: [SCAN],
  },
})

/** Seed 002's six types (TP in seed 004's four kinds, each with its own info page). */
const RU_TYPES = [
  tp(
    'tp15',
    T(
      'Grid connection: individual up to 15 kW',
      'Przyłączenie: osoba fizyczna do 15 kW',
      'ТП: физическое лицо до 15 кВт',
      '并网：个人 15千瓦以下',
    ),
    T(
      'A house, garden plot or garage of a private person.',
      'Dom, działka lub garaż osoby prywatnej.',
      'Жилой дом, садовый участок или гараж физического лица.',
      '个人住宅、园地或车库。',
    ),
    15,
    ['4 месяцев', '4 months'],
    [],
    'individual',
  ),
  tp(
    'tp150',
    T(
      'Grid connection: legal entity or entrepreneur up to 150 kW',
      'Przyłączenie: firma do 150 kW',
      'ТП: юридическое лицо или ИП до 150 кВт',
      '并网：企业或个体户 150千瓦以下',
    ),
    T('Small businesses.', 'Małe firmy.', 'Малый бизнес.', '小型企业。'),
    150,
    ['4 месяцев', '4 months'],
  ),
  tp(
    'tpover150',
    T(
      'Grid connection: over 150 kW',
      'Przyłączenie: powyżej 150 kW',
      'ТП: свыше 150 кВт',
      '并网：150千瓦以上',
    ),
    T(
      'Larger consumers; reliability category required.',
      'Więksi odbiorcy; wymagana kategoria niezawodności.',
      'Крупные потребители; нужна категория надёжности.',
      '较大用户；需填写可靠性类别。',
    ),
    undefined,
    ['1 года', '1 year'],
    [
      {
        code: 'reliability',
        kind: 'select',
        required: true,
        label: T('Reliability category', 'Kategoria niezawodności', 'Категория надёжности', '可靠性类别'),
        options: [
          { code: 'i', label: T('I', 'I', 'I', 'I') },
          { code: 'ii', label: T('II', 'II', 'II', 'II') },
          { code: 'iii', label: T('III', 'III', 'III', 'III') },
        ],
      },
    ],
  ),
  tp(
    'tptemp',
    T(
      'Temporary grid connection',
      'Przyłączenie tymczasowe',
      'Временное технологическое присоединение',
      '临时并网',
    ),
    T(
      'For a building site or a mobile installation, for a limited time.',
      'Na budowę lub obiekt przenośny, na czas określony.',
      'Для стройплощадки или передвижного объекта, на ограниченный срок.',
      '用于施工现场或移动设施，期限有限。',
    ),
    150,
    ['6 месяцев', '6 months'],
    [
      {
        code: 'until',
        kind: 'date',
        required: true,
        label: T('Needed until', 'Potrzebne do', 'Срок временного присоединения', '使用截止日期'),
      },
    ],
  ),
  short(
    'reading',
    'SP',
    T('Taking a meter reading', 'Odczyt licznika', 'Снятие показаний прибора учёта', '抄表'),
    T(
      'Our staff come to read your meter.',
      'Pracownik odczyta licznik.',
      'Сотрудник снимет показания счётчика.',
      '工作人员上门抄表。',
    ),
    5,
    [METER, ADDRESS],
  ),
  short(
    'commissioning',
    'DP',
    T(
      'Admitting a meter into operation',
      'Dopuszczenie licznika do eksploatacji',
      'Допуск прибора учёта в эксплуатацию',
      '电表投运验收',
    ),
    T(
      'After installing or replacing a meter.',
      'Po montażu lub wymianie licznika.',
      'После установки или замены счётчика.',
      '安装或更换电表后。',
    ),
    10,
    [
      METER,
      ADDRESS,
      {
        code: 'installed',
        kind: 'date',
        required: true,
        label: T('Installed on', 'Data montażu', 'Дата установки', '安装日期'),
      },
    ],
  ),
  short(
    'metering',
    'OU',
    T(
      'Equipping a supply point with a meter or replacing it',
      'Wyposażenie punktu w licznik lub jego wymiana',
      'Оснащение точки поставки прибором учёта или его замена',
      '供电点装表或换表',
    ),
    T(
      'We install or replace the meter at your supply point.',
      'Zamontujemy lub wymienimy licznik.',
      'Мы установим или заменим счётчик в точке поставки.',
      '为您的供电点安装或更换电表。',
    ),
    15,
    [
      ADDRESS,
      {
        code: 'replace',
        kind: 'checkbox',
        required: false,
        label: T(
          'This replaces an existing meter',
          'To wymiana istniejącego licznika',
          'Замена существующего прибора учёта',
          '更换现有电表',
        ),
      },
    ],
  ),
  short(
    'unmetered',
    'BU',
    T(
      'Report of non-contractual or unmetered consumption',
      'Zgłoszenie nielegalnego poboru energii',
      'Сообщение о бездоговорном или безучётном потреблении',
      '举报无合同或无计量用电',
    ),
    T(
      'Tell us where electricity is used without a contract or past the meter.',
      'Wskaż miejsce poboru bez umowy lub z pominięciem licznika.',
      'Сообщите, где электроэнергия потребляется без договора или помимо счётчика.',
      '告诉我们无合同或绕表用电的地点。',
    ),
    10,
    [ADDRESS],
  ),
  short(
    'theft',
    'HS',
    T(
      'Theft of grid facilities',
      'Kradzież elementów sieci',
      'Хищение электросетевого имущества',
      '电网设施被盗',
    ),
    T(
      'Report stolen or damaged lines, transformers or equipment.',
      'Zgłoś skradzione lub uszkodzone linie i urządzenia.',
      'Сообщите о похищенных или повреждённых линиях, трансформаторах, оборудовании.',
      '举报被盗或损坏的线路、变压器或设备。',
    ),
    3,
    [
      ADDRESS,
      {
        code: 'noticed',
        kind: 'date',
        required: false,
        label: T('Noticed on', 'Data zauważenia', 'Дата обнаружения', '发现日期'),
      },
    ],
  ),
]

const PL_TYPES = [
  {
    code: 'przylaczenie',
    definition: {
      ...tp('x', {}, {}, 40, ['4 месяцев', '4 months']).definition,
      name: T(
        'Grid connection (up to 40 kW, group V)',
        'Przyłączenie do sieci (do 40 kW, grupa V)',
        'Подключение к сети (до 40 кВт, группа V)',
        '并网（40千瓦以下，V组）',
      ),
      description: T(
        'A house, a small business or a micro-installation.',
        'Dom, mała firma lub mikroinstalacja.',
        'Дом, малый бизнес или микроустановка.',
        '住宅、小企业或微型电站。',
      ),
      prefix: 'WP',
      reviewDays: 14,
    },
  },
]

/** The demo tenants' application types (ru: seed 002's six; pl: a connection application; cn: none). */
export async function seedApplicationsDemo(owner: Knex, tenant: DemoTenantRef): Promise<void> {
  const types = tenant.slug === 'ru' ? RU_TYPES : tenant.slug === 'pl' ? PL_TYPES : []
  await withTenant(owner, tenant.id, async (trx) => {
    for (const type of types) {
      const exists = await trx('application_types')
        .where({ code: type.code })
        .first<{ id: string } | undefined>('id')
      if (exists) continue
      await trx('application_types').insert({
        tenant_id: tenant.id,
        code: type.code,
        version: 1,
        definition: JSON.stringify(TypeDefinition.parse(type.definition)),
      })
    }
  })
}
