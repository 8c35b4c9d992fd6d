import { paymentsOpenApi } from '@clickpesa-kit/core/adapter';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

/**
 * Every envelope the shared suite receives is checked against the OpenAPI document's schema for its route,
 * method and status: an answer the document does not describe fails the suite.
 */
const document = paymentsOpenApi() as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
const COMPONENT = '#/components/schemas/';

/** The schema with each `$ref` into `components.schemas` replaced by the component itself. */
function resolveComponents(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(resolveComponents);
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith(COMPONENT)) {
    return resolveComponents(document.components.schemas[ref.slice(COMPONENT.length)]);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolveComponents(value)]));
}

const routes = Object.keys(document.paths).map((path) => ({
  path,
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
}));
const validators = new Map<string, ValidateFunction>();

/** The operation's schema for `status`, as a validator; undefined when the document has no such answer. */
function validatorFor(path: string, method: string, status: number): ValidateFunction | undefined {
  const key = `${path} ${method} ${status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const response = document.paths[path]?.[method]?.responses[String(status)];
    const schema = response?.content?.['application/json']?.schema;
    if (schema === undefined) return undefined;
    validate = ajv.compile(resolveComponents(schema) as object);
    validators.set(key, validate);
  }
  return validate;
}

/** Checks one answer from our routes (host answers and 405s for undocumented methods are skipped). */
export function expectMatchesOpenApi(method: string, path: string, status: number, body: unknown): void {
  if (typeof body !== 'object' || body === null || !('success' in body)) return; // the host's own answer
  const bare = path.split('?')[0] ?? path;
  const route = routes.find((candidate) => candidate.pattern.test(bare));
  const operationMethod = method.toLowerCase();
  if (!route || !document.paths[route.path]?.[operationMethod]) return;
  const validate = validatorFor(route.path, operationMethod, status);
  expect(
    validate,
    `${method} ${route.path} answered ${status}, which the OpenAPI document does not list`,
  ).toBeDefined();
  if (validate && !validate(body)) {
    expect.fail(
      `${method} ${route.path} ${status} does not match its schema: ${ajv.errorsText(validate.errors)}`,
    );
  }
}
