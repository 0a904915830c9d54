'use client';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

interface Bucket {
  start: string;
  action: 'Allow' | 'Deny';
  records: number;
}

/** Allowed and denied flow records per interval, stacked. */
export function FlowChart({ buckets }: { buckets: Bucket[] }) {
  const byStart = new Map<string, { start: string; allowed: number; denied: number }>();
  for (const b of buckets) {
    const row = byStart.get(b.start) ?? { start: b.start, allowed: 0, denied: 0 };
    if (b.action === 'Allow') row.allowed += b.records;
    else row.denied += b.records;
    byStart.set(b.start, row);
  }
  const data = [...byStart.values()].sort((a, b) => (a.start < b.start ? -1 : 1));
  const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <figure className="chart" aria-label="Allowed and denied flow records over time" data-testid="flow-chart">
      <ResponsiveContainer width="100%" height={240}>
        <AreaChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="start" tickFormatter={time} minTickGap={24} />
          <YAxis allowDecimals={false} />
          <Tooltip labelFormatter={(v) => new Date(String(v)).toLocaleString()} />
          <Legend />
          <Area type="monotone" dataKey="allowed" name="allowed" stackId="1" stroke="#116329" fill="#4ac26b" isAnimationActive={false} />
          <Area type="monotone" dataKey="denied" name="denied" stackId="1" stroke="#a40e26" fill="#ff8182" isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
      <figcaption className="muted">
        {data.reduce((n, d) => n + d.allowed, 0)} allowed and {data.reduce((n, d) => n + d.denied, 0)} denied records
      </figcaption>
    </figure>
  );
}
