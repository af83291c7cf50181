import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMoney } from '../../i18n/format';
import { type ChartSeries, sparseLabels } from './revenueSeries';

interface RevenueChartProps {
  series: ChartSeries;
  currency: string;
  /** Series names in the current language. */
  names: { net: string; paid: string; refunded: string };
  /** Text alternative: the table beside the chart says the same in words. */
  label: string;
}

const COLORS = { net: '#39ff14', paid: '#3de8ff', refunded: '#ff3d68' };

/**
 * The revenue per period as bars (net) with the money paid and refunded as lines, drawn by uPlot
 * on a canvas. Loaded only with the revenue tab (this module is its own chunk). The canvas is
 * decoration for sighted people: the table under it carries every number.
 */
export default function RevenueChart({ series, currency, names, label }: RevenueChartProps) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = box.current;
    if (!target) return;
    const width = () => Math.max(260, Math.floor(target.clientWidth));
    const ticks = sparseLabels(series.labels, width() < 500 ? 5 : 10);
    const money = (value: number) => formatMoney(Math.round(value * 100), currency);
    const axis = { stroke: '#8ba595', grid: { stroke: 'rgb(57 255 20 / 8%)' }, ticks: { stroke: '#1c2a21' } };
    const bars = uPlot.paths.bars?.({ size: [0.7, 40], align: 0 });
    const chart = new uPlot(
      {
        width: width(),
        height: 240,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } },
        axes: [
          {
            ...axis,
            splits: () => series.x,
            values: (_u, splits) => splits.map((index) => ticks[index] ?? ''),
          },
          { ...axis, size: 70, values: (_u, splits) => splits.map((value) => money(value)) },
        ],
        series: [
          { label: '', value: (_u, index) => (index === null ? '' : (series.labels[index] ?? '')) },
          {
            label: names.net,
            stroke: COLORS.net,
            fill: 'rgb(57 255 20 / 35%)',
            width: 1,
            paths: bars,
            points: { show: false },
            value: (_u, value) => (value === null ? '—' : money(value)),
          },
          {
            label: names.paid,
            stroke: COLORS.paid,
            width: 2,
            dash: [6, 4],
            value: (_u, value) => (value === null ? '—' : money(value)),
          },
          {
            label: names.refunded,
            stroke: COLORS.refunded,
            width: 2,
            dash: [2, 3],
            value: (_u, value) => (value === null ? '—' : money(value)),
          },
        ],
      },
      [series.x, series.net, series.paid, series.refunded],
      target,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: 240 }));
    resize.observe(target);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, currency, names.net, names.paid, names.refunded]);

  return <div class="admin-chart" ref={box} role="img" aria-label={label} data-testid="revenue-chart" />;
}
