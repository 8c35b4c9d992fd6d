import { type Sandbox, type SandboxOptions, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import type { HostSetup, HostVariant, RunningHost } from './host-conventions.js';
import type { StoreKind, TestDatabase } from './stores.js';

/** One HTTP answer, read whole. */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: envelopes are asserted field by field
  body: any;
  text: string;
}

/** Reads a fetch response whole; the body is parsed when there is one. */
export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
    text,
  };
}

const serials = new Map<string, number>();
/**
 * A fresh number under `prefix` ("25576" is Vodacom), ending in 7: the sandbox's customer never answers it, so
 * the payment stays open and every state change is one the test made. One suite, one prefix: one push per
 * number at a time holds across suites sharing a store.
 */
export function nextMsisdn(prefix: string): string {
  const serial = (serials.get(prefix) ?? 0) + 1;
  serials.set(prefix, serial);
  return `${prefix}${String(serial).padStart(11 - prefix.length, '0')}7`;
}

/** A sandbox for the enclosing block, started before its hooks and tests, closed after them. */
export function useSandbox(options: SandboxOptions = {}): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(options);
  });
  afterAll(() => sandbox?.close());
  return () => {
    if (!sandbox) throw new Error('the sandbox starts in beforeAll');
    return sandbox;
  };
}

/** The kit's `clickpesa` options for this sandbox; nothing is read from the environment. */
export function clickpesaOf(sandbox: Sandbox, checksumKey?: string) {
  return {
    clientId: sandbox.clientId,
    apiKey: sandbox.apiKey,
    baseUrl: sandbox.url,
    env: {},
    ...(checksumKey === undefined ? {} : { checksumKey }),
  };
}

/** What a suite chooses for its host; the store comes from the store kind under test. */
export interface HostPlan {
  mount: HostSetup['mount'];
  options: Omit<HostSetup['options'], 'store'>;
}

/**
 * `describe.each` over every variant on every store kind: "<title>: <variant> on <store>". A kind that cannot
 * run on this machine (PostgreSQL without CLICKPESA_TEST_DATABASE_URL) is one skipped block that says why.
 */
export function describeHosts(
  title: string,
  variants: HostVariant[],
  stores: StoreKind[],
  body: (variant: HostVariant, stores: StoreKind) => void,
): void {
  for (const kind of stores) {
    if (kind.skipReason !== undefined) {
      const reason = kind.skipReason;
      describe.skip(`${title} on ${kind.name}: ${reason}`, () => {
        it.skip(reason, () => {});
      });
      continue;
    }
    describe.each(variants)(`${title}: $name on ${kind.name}`, (variant) => body(variant, kind));
  }
}

/** One host for the enclosing block, on a fresh database, started in beforeAll and closed with it afterwards. */
export function useHost(variant: HostVariant, kind: StoreKind, plan: () => HostPlan): () => RunningHost {
  const hosts = useHosts(variant, kind, plan, 1);
  return () => hosts()[0]!;
}

/** `count` hosts over one fresh database, each with its own store instance, as separate app instances run. */
export function useHosts(
  variant: HostVariant,
  kind: StoreKind,
  plan: () => HostPlan,
  count: number,
): () => RunningHost[] {
  let running: Running | undefined;
  beforeAll(async () => {
    running = await startOnFreshDatabase(variant, kind, plan(), count);
  });
  afterAll(() => stop(running));
  return () => {
    if (!running) throw new Error('the hosts start in beforeAll');
    return running.hosts;
  };
}

/** Starts a host on a fresh database per call (each test its own limits); the test's hosts stop after it. */
export function hostPerTest(variant: HostVariant, kind: StoreKind): (plan: HostPlan) => Promise<RunningHost> {
  const started: Running[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map(stop));
  });
  return async (plan) => {
    const running = await startOnFreshDatabase(variant, kind, plan, 1);
    started.push(running);
    return running.hosts[0]!;
  };
}

interface Running {
  hosts: RunningHost[];
  database: TestDatabase;
}

async function startOnFreshDatabase(
  variant: HostVariant,
  kind: StoreKind,
  plan: HostPlan,
  count: number,
): Promise<Running> {
  const database = await kind.create();
  const hosts: RunningHost[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const store = i === 0 ? database.store : database.openAnother();
      hosts.push(await variant.start({ mount: plan.mount, options: { ...plan.options, store } }));
    }
    return { hosts, database };
  } catch (error) {
    await stop({ hosts, database });
    throw error;
  }
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  // the kits first (they leave their stores open), then the database under them
  await Promise.all(running.hosts.map((host) => host.close()));
  await running.database.destroy();
}
