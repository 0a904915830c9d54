/** A value read when /metrics is asked for; a counter only ever grows (its name ends in _total). */
export interface Gauge {
  help: string;
  value: number;
  type?: 'gauge' | 'counter';
}

/** Gauges and counters in Prometheus' text exposition format, one HELP, TYPE and sample each. */
export function renderGauges(gauges: Record<string, Gauge>): string[] {
  return Object.entries(gauges).flatMap(([name, g]) => [`# HELP ${name} ${g.help}`, `# TYPE ${name} ${g.type ?? 'gauge'}`, `${name} ${Number.isFinite(g.value) ? g.value : 'NaN'}`]);
}
