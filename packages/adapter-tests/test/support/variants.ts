import { startExpressHost } from './express-host.js';
import { startFastifyHost } from './fastify-host.js';
import { startHonoHost } from './hono-host.js';
import type { HostVariant } from './host-conventions.js';
import { type KoaConstructor, startKoaHost } from './koa-host.js';

/** Each framework twice: without and with the host's usual body parser (adapters must work with both). */
export function expressVariants(label: string): HostVariant[] {
  return [false, true].map((hostParser) => ({
    name: hostParser ? `${label} + express.json()` : label,
    hostParser,
    parserAnswersBodyErrors: hostParser,
    start: (setup) => startExpressHost({ ...setup, hostParser }),
  }));
}

export function koaVariants(label: string, KoaApp: KoaConstructor): HostVariant[] {
  return [false, true].map((hostParser) => ({
    name: hostParser ? `${label} + @koa/bodyparser` : label,
    hostParser,
    parserAnswersBodyErrors: hostParser,
    start: (setup) => startKoaHost(KoaApp, { ...setup, hostParser }),
  }));
}

/** Fastify's default parser never sees our routes: ours replaces it in our encapsulated scope. */
export function fastifyVariants(label: string): HostVariant[] {
  return [false, true].map((hostParser) => ({
    name: hostParser ? `${label} + default parsers` : `${label} without parsers`,
    hostParser,
    parserAnswersBodyErrors: false,
    start: (setup) => startFastifyHost({ ...setup, hostParser }),
  }));
}

/** A fetch runtime (Hono on Node): no host body parser runs before a fetch handler. */
export function honoVariants(label: string): HostVariant[] {
  return [
    {
      name: label,
      hostParser: false,
      parserAnswersBodyErrors: false,
      start: (setup) => startHonoHost({ ...setup, hostParser: false }),
    },
  ];
}
