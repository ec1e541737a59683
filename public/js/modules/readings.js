// Progressive enhancement only: every page works without this file.
//
// An AMR import's page follows its live stream: the progress bar and the percentage move
// as the job reads the files, and the page reloads once the import is done or failed, so
// its outcome shows. Without JavaScript the page shows where it stood and a link to look again.
for (const box of document.querySelectorAll('[data-import-live]')) {
  if (box.dataset.status === 'done' || box.dataset.status === 'failed') continue
  const bar = box.querySelector('progress')
  const said = box.querySelector('[data-import-percent]')
  const source = new EventSource(box.dataset.importLive)
  source.addEventListener('message', (event) => {
    const data = JSON.parse(event.data)
    const percent = data.total > 0 ? Math.min(100, Math.floor((100 * data.read) / data.total)) : 100
    bar.value = percent
    bar.textContent = `${percent} %`
    said.textContent = box.dataset.textPercent.replace('%', String(percent))
    if (data.status === 'done' || data.status === 'failed') {
      source.close()
      window.location.reload()
    }
  })
}
