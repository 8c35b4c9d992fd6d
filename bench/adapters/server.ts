/**
 * One benchmark target, run as a child of run.ts so autocannon and the server do not share a thread:
 * `server.ts <express|fastify|koa>`. Serves the target of `targets.ts` on 127.0.0.1, then prints
 * `{ "origin", "paymentId" }` as one JSON line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTarget } from './targets.js';

const target = await buildTarget(process.argv[2] ?? '');
const server = createServer(target.listener);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.stdout.write(`${JSON.stringify({ origin, paymentId: target.paymentId })}\n`);
// A normal exit on SIGTERM, so `node --cpu-prof` (profiling a framework that falls short) writes its profile.
process.on('SIGTERM', () => process.exit(0));
