// Progressive enhancement only: every page works without this file.
//
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
