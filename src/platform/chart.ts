import { scaleLinear } from 'd3-scale'

export interface StepChart {
  width: number
  height: number
  /** The SVG path of the values as steps (each interval a flat line); empty for no values. */
  path: string
  /** The same, closed to the axis, for a filled area. */
  area: string
  yTicks: { y: number; label: string }[]
  xTicks: { x: number; label: string }[]
  plot: { left: number; right: number; top: number; bottom: number }
}

/**
 * A day of interval values as a server-rendered step chart (no script needed): scales
 * from d3-scale, ticks labelled by the caller's formatter (the reader's locale), an
 * x tick every `labelEvery` intervals. Missing values break the line.
 */
export function stepChart(
  values: readonly (number | null)[],
  labels: readonly string[],
  options: {
    format: (n: number) => string
    labelEvery: number
    max?: number
    /** The lowest value the axis must show (below zero: a storage unit's charging). */
    min?: number
    width?: number
    height?: number
  },
): StepChart {
  const width = options.width ?? 720
  const height = options.height ?? 240
  const plot = { left: 64, right: width - 12, top: 12, bottom: height - 28 }
  const largest = Math.max(options.max ?? 0, ...values.map((v) => v ?? 0))
  const smallest = Math.min(options.min ?? 0, ...values.map((v) => v ?? 0))
  const x = scaleLinear()
    .domain([0, Math.max(values.length, 1)])
    .range([plot.left, plot.right])
  const y = scaleLinear()
    .domain([smallest, largest > 0 ? largest : 1])
    .nice(4)
    .range([plot.bottom, plot.top])
  let path = ''
  let area = ''
  let open = false
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      if (open) area += `L${x(i).toFixed(1)},${y(0).toFixed(1)}Z`
      open = false
      return
    }
    const x0 = x(i).toFixed(1)
    const x1 = x(i + 1).toFixed(1)
    const yv = y(v).toFixed(1)
    if (!open) {
      path += `M${x0},${yv}`
      area += `M${x0},${y(0).toFixed(1)}L${x0},${yv}`
    } else {
      path += `L${x0},${yv}`
      area += `L${x0},${yv}`
    }
    path += `L${x1},${yv}`
    area += `L${x1},${yv}`
    open = true
  })
  if (open) area += `L${x(values.length).toFixed(1)},${y(0).toFixed(1)}Z`
  return {
    width,
    height,
    path,
    area,
    plot,
    yTicks: y.ticks(4).map((t) => ({ y: Number(y(t).toFixed(1)), label: options.format(t) })),
    xTicks: labels
      .map((label, i) => ({ x: Number(x(i).toFixed(1)), label, i }))
      .filter((t) => t.i % options.labelEvery === 0)
      .map(({ x: at, label }) => ({ x: at, label })),
  }
}

export interface BarChart {
  width: number
  height: number
  bars: { x: number; y: number; width: number; height: number; series: number }[]
  yTicks: { y: number; label: string }[]
  xTicks: { x: number; label: string }[]
  plot: { left: number; right: number; top: number; bottom: number }
}

/**
 * Values per category and series (a month's consumption per tariff zone) as grouped bars,
 * server-rendered like the step chart; a missing value draws no bar (never a zero one).
 */
export function barChart(
  series: readonly (readonly (number | null)[])[],
  labels: readonly string[],
  options: { format: (n: number) => string; width?: number; height?: number },
): BarChart {
  const width = options.width ?? 720
  const height = options.height ?? 240
  const plot = { left: 64, right: width - 12, top: 12, bottom: height - 28 }
  const largest = Math.max(0, ...series.flat().map((v) => v ?? 0))
  const y = scaleLinear()
    .domain([0, largest > 0 ? largest : 1])
    .nice(4)
    .range([plot.bottom, plot.top])
  const slot = (plot.right - plot.left) / Math.max(labels.length, 1)
  const barWidth = (slot * 0.8) / Math.max(series.length, 1)
  const bars = series.flatMap((values, s) =>
    values.flatMap((v, i) =>
      v === null
        ? []
        : [
            {
              x: Number((plot.left + i * slot + slot * 0.1 + s * barWidth).toFixed(1)),
              y: Number(y(v).toFixed(1)),
              width: Number(barWidth.toFixed(1)),
              height: Number((y(0) - y(v)).toFixed(1)),
              series: s,
            },
          ],
    ),
  )
  return {
    width,
    height,
    bars,
    plot,
    yTicks: y.ticks(4).map((t) => ({ y: Number(y(t).toFixed(1)), label: options.format(t) })),
    xTicks: labels.map((label, i) => ({ x: Number((plot.left + (i + 0.5) * slot).toFixed(1)), label })),
  }
}
