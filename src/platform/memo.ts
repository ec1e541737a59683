/**
 * A bounded cache of a pure function's answers by key: at most `size` of them, then it
 * starts again (the callers' keys repeat within a page and across views of it, so a full
 * map is rare and forgetting it all is cheaper than keeping an order).
 */
export function boundedMemo<K, V>(size: number): (key: K, compute: () => V) => V {
  const known = new Map<K, V>()
  return (key, compute) => {
    let value = known.get(key)
    if (value === undefined) {
      value = compute()
      if (known.size >= size) known.clear()
      known.set(key, value)
    }
    return value
  }
}
