import { describe, expect, it } from 'vitest'
import { formatBytes, formatFraction, formatMs } from './format-number.ts'
import { formatCompactDateTime, formatDuration, relativeTime } from './format-time.ts'

describe('formatting', () => {
  it('writes ages relative to now', () => {
    const now = 1_000_000_000
    expect(relativeTime(null, now, 'en')).toBe('never')
    expect(relativeTime(now - 3_000, now, 'en')).toBe('just now')
    expect(relativeTime(now - 45_000, now, 'en')).toBe('45 seconds ago')
    expect(relativeTime(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago')
    expect(relativeTime(now - 3 * 3_600_000, now, 'en')).toBe('3 hours ago')
    expect(relativeTime(now - 86_400_000, now, 'en')).toBe('yesterday')
    expect(relativeTime(now + 120_000, now, 'en')).toBe('in 2 minutes')
  })

  it('writes dates only as long as they need to be next to now', () => {
    const o = { locale: 'en-GB', timeZone: 'UTC' }
    const now = Date.UTC(2026, 10, 28, 13, 50)
    expect(formatCompactDateTime(Date.UTC(2026, 10, 28, 13, 43, 49), now, o)).toBe('13:43:49')
    expect(formatCompactDateTime(Date.UTC(2026, 10, 27, 23, 5), now, o)).toBe('27 Nov, 23:05')
    expect(formatCompactDateTime(Date.UTC(2025, 11, 31, 9, 0), now, o)).toBe('31 Dec 2025')
    // the day is the viewer's: 23:30 UTC is already the next day in Tokyo
    expect(formatCompactDateTime(Date.UTC(2026, 10, 27, 23, 30), now, { locale: 'en-GB', timeZone: 'Asia/Tokyo' })).toBe('08:30:00')
  })

  it('writes durations as the CLI takes them', () => {
    expect(formatDuration(300_000)).toBe('5m')
    expect(formatDuration(5_400_000)).toBe('1h 30m')
    expect(formatDuration(1_800_000 + 86_400_000)).toBe('1d 30m')
    expect(formatDuration(500)).toBe('500ms')
  })

  it('writes sizes, latencies and fractions, with a dash for unknown figures', () => {
    expect(formatBytes(512, 'en')).toBe('512 B')
    expect(formatBytes(1536, 'en')).toBe('1.5 KB')
    expect(formatBytes(3 * 1024 * 1024, 'en')).toBe('3 MB')
    expect(formatMs(3.456, 'en')).toBe('3.46 ms')
    expect(formatMs(123.45, 'en')).toBe('123.5 ms')
    expect(formatMs(undefined)).toBe('—')
    expect(formatFraction(0.934, 'en')).toBe('93.4 %')
    expect(formatFraction(null)).toBe('—')
  })
})
