/** Waits for `p`, or runs `fallback` when it takes longer than `ms`. */
export async function within(p: Promise<unknown>, ms: number, fallback: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms)
  })
  const outcome = await Promise.race([p.then(() => 'done' as const, () => 'done' as const), late])
  clearTimeout(timer)
  if (outcome === 'late') await fallback()
}
