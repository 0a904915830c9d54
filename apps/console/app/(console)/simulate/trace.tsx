'use client';
import Link from 'next/link';
import type { ProbeResult, TraceStep } from '@palisade/engine';
import { editorLink } from '../endpoints/effective';

/** Trace steps name a policy "Type namespace/name"; its key (and editor link) is "Type/namespace/name". */
const keyOf = (label: string) => label.replace(' ', '/');

/** The step that decided a stage: a matching Allow or Deny rule that is not staged. */
const decides = (step: TraceStep): boolean => step.step === 'rule' && step.matched && !step.staged && (step.action === 'Allow' || step.action === 'Deny');

function Step({ step }: { step: TraceStep }) {
  switch (step.step) {
    case 'stage':
      return (
        <h4>
          {step.direction === 'egress' ? 'Egress from' : 'Ingress to'} {step.endpoint}
          {step.stage !== 'normal' ? ` (${step.stage})` : ''}
        </h4>
      );
    case 'tier':
      return step.applies ? (
        <p>
          Tier <strong>{step.tier}</strong>: {step.policies.length} polic{step.policies.length === 1 ? 'y applies' : 'ies apply'}
        </p>
      ) : (
        <p className="muted">
          Tier {step.tier} skipped: {step.reason}
        </p>
      );
    case 'policy':
      return (
        <p className="muted">
          <Link href={editorLink(keyOf(step.policy))}>{step.policy}</Link> does not apply: {step.reason}
        </p>
      );
    case 'rule':
      return (
        <p className={decides(step) ? 'decider' : step.matched ? '' : 'muted'} data-decides={decides(step) ? 'true' : undefined}>
          <Link href={editorLink(keyOf(step.policy))}>{step.policy}</Link> rule {step.rule} ({step.action}
          {step.staged ? ', staged' : ''}): {step.matched ? 'matches' : `no match: ${step.reason ?? ''}`}
          {decides(step) && <strong> ← decides</strong>}
        </p>
      );
    case 'end-of-tier':
      return (
        <p className={step.action === 'Deny' ? 'decider' : 'muted'} data-decides={step.action === 'Deny' ? 'true' : undefined}>
          End of tier {step.tier}: {step.action} ({step.reason})
        </p>
      );
    case 'profile':
      return (
        <p className={step.matched ? 'decider' : 'muted'}>
          Profile {step.profile}
          {step.rule !== undefined ? ` rule ${step.rule}` : ''}: {step.matched ? `${step.action ?? ''} matches` : (step.reason ?? 'no match')}
        </p>
      );
    case 'verdict':
      return (
        <p className={`verdict ${step.verdict}`}>
          → {step.verdict}: {step.reason}
        </p>
      );
  }
}

/** A flow's verdict and the path through tiers, policies and rules that led to it. */
export function Trace({ title, result }: { title: string; result: ProbeResult }) {
  return (
    <section className="card trace" aria-label={title} data-testid="trace">
      <h2>{title}</h2>
      <p className={`verdict ${result.allowed ? 'allow' : 'deny'}`} data-testid="verdict">
        {result.allowed ? 'Allowed' : 'Denied'}
        {result.deniedAt ? ` by ${result.deniedAt.by}` : ''}
      </p>
      <dl>
        <dt>Egress</dt>
        <dd>{result.egress ? `${result.egress.verdict}: ${result.egress.by}` : 'not decided here'}</dd>
        <dt>Ingress</dt>
        <dd>{result.ingress ? `${result.ingress.verdict}: ${result.ingress.by}` : 'not decided here'}</dd>
        {result.pending && (
          <>
            <dt>With staged policies</dt>
            <dd data-testid="pending">
              {result.pending.allowed ? 'allowed' : 'denied'}
              {result.pending.deniedAt ? ` by ${result.pending.deniedAt.by}` : ''}
              {result.pending.differs ? ' (differs)' : ' (same)'}
            </dd>
          </>
        )}
      </dl>
      <ol className="steps">
        {(result.trace ?? []).map((step, i) => (
          <li key={i}>
            <Step step={step} />
          </li>
        ))}
      </ol>
    </section>
  );
}
