/** Failure injection for the fake connectors: a throw at the Nth call of a method, per-record rejections. */
import { TransientError } from '../../src/errors.ts';
import type { RecordFailure } from '../../src/model.ts';

export type FakeMethod =
  'pullContacts' | 'pullEngagement' | 'fetchContacts' | 'writeBack' | 'handoff' | 'pullSalesOutcomes';

interface PlannedFailure {
  method: FakeMethod;
  onCall: number;
  /** Pull methods: throw before yielding this page (1-based) of the call, after earlier pages were consumed. */
  onPage?: number;
  /** `after`: the vendor applied the call, then the answer was lost (a crash before we recorded it). */
  when: 'before' | 'after';
  error: Error;
}

export class FailureInjector {
  private readonly calls = new Map<FakeMethod, number>();
  private planned: PlannedFailure[] = [];
  private readonly rejections = new Map<string, { failure: Omit<RecordFailure, 'id'>; times: number }>();

  /** Makes the `onCall`-th call (1-based, counted from now) of `method` throw once. */
  failAt(
    method: FakeMethod,
    options: { onCall?: number; onPage?: number; when?: 'before' | 'after'; error?: Error } = {},
  ): void {
    this.planned.push({
      method,
      onCall: this.count(method) + (options.onCall ?? 1),
      ...(options.onPage ? { onPage: options.onPage } : {}),
      when: options.when ?? 'before',
      error: options.error ?? new TransientError(`injected failure in ${method}`),
    });
  }

  /** Called by pull methods before yielding page `page` (1-based). */
  beforePage(method: FakeMethod, page: number): void {
    const n = this.count(method);
    const hit = this.planned.find((p) => p.method === method && p.onCall === n && p.onPage === page);
    if (!hit) return;
    this.planned = this.planned.filter((p) => p !== hit);
    throw hit.error;
  }

  /** Rejects the record `id` on writes, `times` times (default: always). */
  reject(
    id: string,
    failure: { code: string; message?: string; retryable?: boolean },
    times = Infinity,
  ): void {
    this.rejections.set(id, {
      failure: {
        code: failure.code,
        message: failure.message ?? `rejected: ${failure.code}`,
        retryable: failure.retryable ?? false,
      },
      times,
    });
  }

  clear(): void {
    this.planned = [];
    this.rejections.clear();
  }

  count(method: FakeMethod): number {
    return this.calls.get(method) ?? 0;
  }

  /** Called on entry of a method: counts the call and throws a planned `before` failure. */
  enter(method: FakeMethod): void {
    this.calls.set(method, this.count(method) + 1);
    this.fire(method, 'before');
  }

  /** Called once the vendor applied the call: throws a planned `after` failure. */
  leave(method: FakeMethod): void {
    this.fire(method, 'after');
  }

  /** The rejection for a record, if one is planned (and counts it down). */
  rejection(id: string): RecordFailure | null {
    const planned = this.rejections.get(id);
    if (!planned || planned.times <= 0) return null;
    planned.times -= 1;
    return { id, ...planned.failure };
  }

  private fire(method: FakeMethod, when: 'before' | 'after'): void {
    const n = this.count(method);
    const hit = this.planned.find(
      (p) => p.method === method && p.onCall === n && p.when === when && p.onPage === undefined,
    );
    if (!hit) return;
    this.planned = this.planned.filter((p) => p !== hit);
    throw hit.error;
  }
}
