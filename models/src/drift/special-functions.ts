/**
 * Distribution tails the drift tests need: the Kolmogorov distribution (two-sample KS p-values) and
 * the regularised upper incomplete gamma function (χ² p-values). Series and continued fraction as in
 * Numerical Recipes (3rd ed., §6.2 and §14.3.3); accurate to ~1e-10 in the ranges used here.
 */

/** P(K > λ) for the Kolmogorov distribution: 2 Σ_{k≥1} (-1)^{k-1} exp(-2 k² λ²). */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda > 0)) return 1
  if (lambda < 0.3) return 1 // the series converges slowly here and the tail is 1 to 1e-12
  let sum = 0
  let sign = 1
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda)
    sum += term
    if (Math.abs(term) < 1e-16) break
    sign = -sign
  }
  return Math.min(1, Math.max(0, 2 * sum))
}

/**
 * p-value of a two-sample KS statistic `d` between samples of sizes `n` and `m`, by the asymptotic
 * distribution with Stephens' small-sample correction: λ = (√e + 0.12 + 0.11/√e)·d, e = nm/(n+m).
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n <= 0 || m <= 0) return 1
  const en = Math.sqrt((n * m) / (n + m))
  return kolmogorovQ((en + 0.12 + 0.11 / en) * d)
}

const LANCZOS = [57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
  0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3,
  -0.210264441724104883e-3, 0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4,
  -0.261908384015814087e-4, 0.368991826595316234e-5]

/** ln Γ(x) for x > 0 (Lanczos, NR3 §6.1). */
export function logGamma(x: number): number {
  let y = x
  const tmp = x + 671 / 128
  const t = (x + 0.5) * Math.log(tmp) - tmp
  let ser = 0.999999999999997092
  for (const c of LANCZOS) ser += c / ++y
  return t + Math.log((2.5066282746310005 * ser) / x)
}

/** Q(a, x) = Γ(a, x) / Γ(a), the regularised upper incomplete gamma function. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`gammaQ needs a > 0, got ${a}`)
  if (x <= 0) return 1
  if (x < a + 1) return 1 - gammaSeries(a, x)
  return gammaContinuedFraction(a, x)
}

function gammaSeries(a: number, x: number): number {
  let ap = a
  let del = 1 / a
  let sum = del
  for (let i = 0; i < 1000; i++) {
    del *= x / ++ap
    sum += del
    if (Math.abs(del) < Math.abs(sum) * 1e-15) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
}

function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}

/** Upper tail of the χ² distribution with `df` degrees of freedom. */
export function chi2PValue(stat: number, df: number): number {
  if (df <= 0) return 1
  return gammaQ(df / 2, stat / 2)
}

/** The KS statistic whose two-sample p-value is `alpha` for sizes `n` and `m` (bisection; the critical value). */
export function ksCritical(alpha: number, n: number, m: number): number {
  if (n <= 0 || m <= 0) return 1
  let lo = 0
  let hi = 1
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2
    if (ksPValue(mid, n, m) > alpha) lo = mid
    else hi = mid
  }
  return hi
}
