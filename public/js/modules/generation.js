// Progressive enhancement only: every page works without this file.
//
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
