import type { ApiEndpoint, FaultSpec } from './types.js';

interface ArmedFault {
  spec: FaultSpec;
  skipLeft: number;
  timesLeft: number;
}

const FAULT_KINDS = new Set(['status', 'latency', 'reset', 'malformed', 'truncated', 'empty', 'html']);
const ENDPOINTS = new Set(['token', 'preview', 'initiate', 'query', 'list', '*']);

/** Checks a fault description from the control API; returns a reason when it is unusable. */
export function faultSpecProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'a fault must be an object';
  const spec = value as Record<string, unknown>;
  if (!ENDPOINTS.has(spec.endpoint as string)) return 'endpoint must be token|preview|initiate|query|list|*';
  if (!FAULT_KINDS.has(spec.kind as string)) return `kind must be one of ${[...FAULT_KINDS].join('|')}`;
  if (spec.kind === 'status' && !(Number.isInteger(spec.status) && (spec.status as number) >= 100))
    return 'status faults need an integer status';
  if (spec.kind === 'latency' && !(typeof spec.ms === 'number' && spec.ms >= 0))
    return 'latency faults need ms >= 0';
  if (spec.kind === 'reset' && spec.when !== undefined && spec.when !== 'before' && spec.when !== 'after')
    return "when must be 'before' or 'after'";
  for (const count of ['times', 'skip'] as const) {
    if (spec[count] !== undefined && !(Number.isInteger(spec[count]) && (spec[count] as number) >= 0))
      return `${count} must be a non-negative integer`;
  }
  return undefined;
}

/** Faults waiting for matching calls, consumed first in, first out. */
export class FaultBook {
  private armed: ArmedFault[] = [];

  add(spec: FaultSpec): void {
    this.armed.push({ spec, skipLeft: spec.skip ?? 0, timesLeft: spec.times ?? 1 });
  }

  /** The fault that shapes this call, if any; counts the call against every matching fault's skip. */
  take(endpoint: ApiEndpoint, orderReference: string | undefined): FaultSpec | undefined {
    let chosen: FaultSpec | undefined;
    for (const fault of this.armed) {
      const { spec } = fault;
      if (spec.endpoint !== '*' && spec.endpoint !== endpoint) continue;
      if (spec.orderReference !== undefined && spec.orderReference !== orderReference) continue;
      if (fault.skipLeft > 0) {
        fault.skipLeft--;
        continue;
      }
      if (chosen) continue;
      chosen = spec;
      fault.timesLeft--;
    }
    this.armed = this.armed.filter((fault) => fault.timesLeft > 0);
    return chosen;
  }

  clear(): void {
    this.armed = [];
  }

  get size(): number {
    return this.armed.length;
  }
}
