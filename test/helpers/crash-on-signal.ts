/**
 * Preloaded (`node --import`) into a server under test: SIGUSR2 makes it fail the way a
 * bug would, by the kind named in KABINET_TEST_CRASH (an exception thrown from a timer, or
 * a promise rejected with nobody to catch it).
 */
process.on('SIGUSR2', () => {
  if (process.env.KABINET_TEST_CRASH === 'rejection') void Promise.reject(new Error('probe rejection'))
  else
    setImmediate(() => {
      throw new Error('probe exception')
    })
})
