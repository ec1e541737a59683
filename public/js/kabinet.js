// Progressive enhancement only: every page works without this file.
//
// Fields that belong to one kind of party (a company's name and identifiers, a person's
// name and identifiers) carry data-party. Once a category is chosen, only its fields
// show; without a choice, or without JavaScript, all show, each with a hint saying
// whom it is for.
for (const form of document.querySelectorAll('form')) {
  const choices = form.querySelectorAll('input[type="radio"][name="category"]')
  const fields = form.querySelectorAll('[data-party]')
  if (!choices.length || !fields.length) continue
  const update = () => {
    const chosen = form.querySelector('input[type="radio"][name="category"]:checked')
    for (const field of fields) field.hidden = Boolean(chosen) && field.dataset.party !== chosen.value
  }
  for (const choice of choices) choice.addEventListener('change', update)
  update()
}

// An application's conversation follows its live stream (server-sent events): a new
// message is added to the list as it arrives, and a change of status or documents reloads
// the page so its timeline is current. The browser reconnects by itself and the server
// replays what was missed (Last-Event-ID). Without JavaScript, the page shows what was
// there when it loaded.
for (const chat of document.querySelectorAll('[data-live]')) {
  const list = chat.querySelector('[data-testid="messages"]')
  const status = chat.querySelector('[data-live-status]')
  const seen = new Set([...list.querySelectorAll('[data-n]')].map((li) => li.dataset.n))
  const say = (text) => {
    status.textContent = text
    status.hidden = !text
  }
  // Shown on this page, so read: the page says so itself (loading a page never writes).
  const markRead = chat.querySelector('[data-mark-read]')
  if (markRead) {
    markRead.hidden = true
    void fetch(markRead.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': chat.dataset.csrf },
      body: new URLSearchParams({ n: markRead.elements.n.value }),
    })
  }
  const source = new EventSource(chat.dataset.live)
  source.addEventListener('open', () => say(chat.dataset.textConnected))
  source.addEventListener('error', () => say(chat.dataset.textReconnecting))
  source.addEventListener('message', (event) => {
    const data = JSON.parse(event.data)
    if (data.kind !== 'message') {
      say(chat.dataset.textStatusChanged)
      source.close()
      setTimeout(() => window.location.reload(), 800)
      return
    }
    if (seen.has(String(data.n))) return
    seen.add(String(data.n))
    // Seen here, so read: the unread-message email is not sent about it.
    if ((data.author === 'customer' ? 'customer' : 'operator') !== chat.dataset.me)
      void fetch(chat.dataset.read, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': chat.dataset.csrf },
        body: new URLSearchParams({ n: String(data.n) }),
      })
    list.querySelector('.kb-chat__empty')?.remove()
    const item = document.createElement('li')
    const mine = (data.author === 'customer' ? 'customer' : 'operator') === chat.dataset.me
    item.className = `kb-chat__message kb-chat__message--${mine ? 'mine' : 'theirs'}`
    item.dataset.n = String(data.n)
    const meta = document.createElement('p')
    meta.className = 'govuk-body-s kb-chat__meta'
    const who = document.createElement('strong')
    who.textContent = data.author === 'customer' ? chat.dataset.authorCustomer : chat.dataset.authorOperator
    const when = document.createElement('time')
    when.dateTime = data.at
    when.textContent = new Date(data.at).toLocaleString(document.documentElement.lang, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: chat.dataset.timeZone,
    })
    meta.append(who, ' · ', when)
    const body = document.createElement('p')
    body.className = 'govuk-body kb-pre'
    body.textContent = data.body
    item.append(meta, body)
    if (data.files.length) {
      const files = document.createElement('ul')
      files.className = 'govuk-list govuk-body-s'
      for (const file of data.files) {
        const link = document.createElement('a')
        link.className = 'govuk-link'
        link.href = chat.dataset.filesBase + file.id
        link.download = ''
        link.textContent = file.name
        const li = document.createElement('li')
        li.append(link)
        files.append(li)
      }
      item.append(files)
    }
    list.append(item)
  })
}

// A schedule's grid (one input per interval): pasting a spreadsheet column into any input
// fills the inputs from there down; "fill" puts one value into a range; the day's energy
// total follows what is typed. Without JavaScript each input is typed by hand.
for (const form of document.querySelectorAll('form[data-grid]')) {
  const inputs = [...form.querySelectorAll('input[name^="v"]')].filter((i) => /^v\d+$/.test(i.name))
  const total = document.querySelector('[data-total]')
  const hours = Number(form.dataset.hours)
  const columns = Number(form.dataset.columns ?? 1)
  const mark = new Intl.NumberFormat(document.documentElement.lang).format(1.5).charAt(1)
  const number = (text) => Number(text.trim().replace(/\s/g, '').replace(',', '.'))
  const update = () => {
    if (!total) return
    const sum = inputs.reduce(
      (acc, input) => acc + (Number.isFinite(number(input.value)) ? number(input.value) : 0),
      0,
    )
    total.textContent = new Intl.NumberFormat(document.documentElement.lang, {
      maximumFractionDigits: 3,
    }).format(sum * hours)
  }
  inputs.forEach((input, index) => {
    input.addEventListener('input', update)
    input.addEventListener('paste', (event) => {
      const text = event.clipboardData?.getData('text') ?? ''
      const lines = text.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1)
      // A block as wide as the grid (hours × quarter-hours copied from a sheet) fills it row
      // by row; anything else is a column, one value per line.
      const rows = lines.map((line) => line.split('\t'))
      const block = columns > 1 && rows.every((cells) => cells.length === columns)
      const values = block ? rows.flat() : rows.map((cells) => cells[0])
      if (values.length < 2) return
      event.preventDefault()
      values.forEach((value, offset) => {
        const target = inputs[index + offset]
        if (target) target.value = value.trim().replace('.', mark)
      })
      update()
    })
  })
  const tools = form.querySelector('[data-grid-tools]')
  if (tools) {
    tools.hidden = false
    tools.querySelector('[data-fill]').addEventListener('click', () => {
      const from = Number(tools.querySelector('#fill-from').value)
      const to = Number(tools.querySelector('#fill-to').value)
      const value = tools.querySelector('#fill-value').value
      for (const input of inputs.slice(Math.min(from, to) - 1, Math.max(from, to))) input.value = value
      update()
    })
  }
}
