import cliProgress from 'cli-progress'

/**
 * Progress for long work on stderr: a live bar on a terminal, a line every few seconds otherwise
 * (so CI logs show progress without thousands of lines). Keyed by task name.
 */
export class Progress {
  private readonly multi: cliProgress.MultiBar
  private readonly bars = new Map<string, cliProgress.SingleBar>()

  constructor(private readonly enabled = true) {
    this.multi = new cliProgress.MultiBar(
      {
        stream: process.stderr,
        format: ' {task} [{bar}] {percentage}% {detail}',
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: true,
        notTTYSchedule: 5000,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    )
  }

  /** Sets a task's progress; `total` of 0 or null shows the count without a bar's end. */
  update(task: string, done: number, total: number | null, detail = ''): void {
    if (!this.enabled) return
    let bar = this.bars.get(task)
    const max = total && total > 0 ? total : Math.max(done, 1)
    if (!bar) {
      bar = this.multi.create(max, 0, { task: task.padEnd(22), detail })
      this.bars.set(task, bar)
    }
    bar.setTotal(max)
    bar.update(done, { task: task.padEnd(22), detail })
  }

  stop(): void {
    this.multi.stop()
  }
}

/** Human size: 1.2 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
