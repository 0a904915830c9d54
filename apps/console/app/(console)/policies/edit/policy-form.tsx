'use client';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { Head } from '../../ui';

// The form view edits the YAML itself (through the yaml library's document model), so comments,
// key order and every field the form does not show survive a round trip.

type Direction = 'ingress' | 'egress';
interface RuleFields {
  action: string;
  protocol: string;
  source: string;
  destination: string;
  ports: string;
}

const ACTIONS = ['Allow', 'Deny', 'Pass', 'Log'];

function read(doc: Document, path: (string | number)[]): unknown {
  const value = doc.getIn(path);
  return value && typeof value === 'object' && 'toJSON' in value ? (value as { toJSON(): unknown }).toJSON() : value;
}

function rulesOf(doc: Document, direction: Direction): RuleFields[] {
  const rules = read(doc, ['spec', direction]);
  if (!Array.isArray(rules)) return [];
  return rules.map((r: Record<string, unknown>) => ({
    action: String(r['action'] ?? 'Allow'),
    protocol: r['protocol'] === undefined ? '' : String(r['protocol']),
    source: String((r['source'] as Record<string, unknown> | undefined)?.['selector'] ?? ''),
    destination: String((r['destination'] as Record<string, unknown> | undefined)?.['selector'] ?? ''),
    ports: ((r['destination'] as Record<string, unknown> | undefined)?.['ports'] as unknown[] | undefined)?.join(', ') ?? '',
  }));
}

/** Sets a value, or removes the key when the value is empty. */
function setOrDelete(doc: Document, path: (string | number)[], value: unknown): void {
  if (value === '' || value === undefined || (Array.isArray(value) && value.length === 0)) {
    if (doc.hasIn(path)) doc.deleteIn(path);
  } else doc.setIn(path, value);
}

const port = (p: string): string | number => (/^\d+$/.test(p) ? Number(p) : p);

export function PolicyForm({ text, onChange, readOnly }: { text: string; onChange: (text: string) => void; readOnly: boolean }) {
  const doc = parseDocument(text);
  if (doc.errors.length || !isMap(doc.contents)) return <p className="notice">The form needs one valid YAML document: fix the problems in the YAML view first.</p>;
  const update = (change: (d: Document) => void) => {
    const next = parseDocument(text);
    change(next);
    onChange(next.toString());
  };
  const selector = String(read(doc, ['spec', 'selector']) ?? '');
  const order = read(doc, ['spec', 'order']);
  const types = (read(doc, ['spec', 'types']) as string[] | undefined) ?? [];
  const setRule = (direction: Direction, index: number, field: keyof RuleFields, value: string) =>
    update((d) => {
      const base = [direction, index];
      if (field === 'action') d.setIn(['spec', ...base, 'action'], value);
      if (field === 'protocol') setOrDelete(d, ['spec', ...base, 'protocol'], /^\d+$/.test(value) ? Number(value) : value);
      if (field === 'source') setOrDelete(d, ['spec', ...base, 'source', 'selector'], value);
      if (field === 'destination') setOrDelete(d, ['spec', ...base, 'destination', 'selector'], value);
      if (field === 'ports')
        setOrDelete(
          d,
          ['spec', ...base, 'destination', 'ports'],
          value
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)
            .map(port),
        );
      // An entity left with no fields goes away rather than stay as "source: {}".
      for (const side of ['source', 'destination']) {
        const entity = d.getIn(['spec', ...base, side]);
        if (isMap(entity) && entity.items.length === 0) d.deleteIn(['spec', ...base, side]);
      }
    });
  return (
    <fieldset className="form-view" disabled={readOnly}>
      <legend>Common fields</legend>
      <label>
        Selector
        <input value={selector} onChange={(e) => update((d) => setOrDelete(d, ['spec', 'selector'], e.target.value))} spellCheck={false} />
      </label>
      <label>
        Order
        <input
          inputMode="decimal"
          value={order === undefined ? '' : String(order)}
          onChange={(e) => update((d) => setOrDelete(d, ['spec', 'order'], e.target.value === '' ? '' : Number.isNaN(Number(e.target.value)) ? e.target.value : Number(e.target.value)))}
        />
      </label>
      <div role="group" aria-label="Types">
        Types
        {(['Ingress', 'Egress'] as const).map((t) => (
          <label key={t} className="inline">
            <input
              type="checkbox"
              checked={types.includes(t)}
              onChange={(e) => update((d) => setOrDelete(d, ['spec', 'types'], e.target.checked ? [...types.filter((x) => x !== t), t].sort() : types.filter((x) => x !== t)))}
            />
            {t}
          </label>
        ))}
      </div>
      {(['ingress', 'egress'] as const).map((direction) => (
        <div key={direction}>
          <h3>{direction === 'ingress' ? 'Ingress rules' : 'Egress rules'}</h3>
          <table>
            <Head columns={['Action', 'Protocol', 'Source selector', 'Destination selector', 'Destination ports']} />
            <tbody>
              {rulesOf(doc, direction).map((rule, index) => (
                <tr key={index}>
                  <td>
                    <select aria-label={`${direction} rule ${index} action`} value={rule.action} onChange={(e) => setRule(direction, index, 'action', e.target.value)}>
                      {ACTIONS.map((a) => (
                        <option key={a}>{a}</option>
                      ))}
                    </select>
                  </td>
                  {(['protocol', 'source', 'destination', 'ports'] as const).map((field) => (
                    <td key={field}>
                      <input aria-label={`${direction} rule ${index} ${field}`} value={rule[field]} spellCheck={false} onChange={(e) => setRule(direction, index, field, e.target.value)} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            onClick={() =>
              update((d) => {
                const list = d.getIn(['spec', direction]);
                if (isSeq(list)) list.add(d.createNode({ action: 'Allow' }));
                else d.setIn(['spec', direction], [{ action: 'Allow' }]);
              })
            }
          >
            Add {direction} rule
          </button>
        </div>
      ))}
    </fieldset>
  );
}
