import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** Everything but the size, which follows the element's width. Made once per chart: a change of
   *  options (series, colours) makes a new chart; new data alone is set on the one drawn. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  label: string;
  className?: string;
}

/** A uPlot chart that fills its container's width and is destroyed with the component. */
export function Chart({ options, data, height, label, className }: ChartProps) {
  const target = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const el = target.current;
    if (!el) return;
    const u = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height }, dataRef.current, el);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={target} className={`chart ${className ?? ''}`} role="img" aria-label={label} />;
}
