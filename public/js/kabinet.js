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
