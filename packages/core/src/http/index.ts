// @clickpesa-kit/core/adapter for adapter authors: the framework-neutral route handler, the body reader,
// and the request and response shapes an adapter translates to and from its framework.
export { attachCloseSignal, type Closable } from './close-signal.js';
export type { ErrorEnvelope, SuccessEnvelope } from './envelope.js';
export { createPaymentsHandler, DEFAULT_BODY_LIMIT, type PaymentsHandlerOptions } from './handler.js';
export { normalisePrefix, relativePath } from './mount-prefix.js';
export {
  describeRoutes,
  type JsonSchema,
  type OpenApiOptions,
  paymentsOpenApi,
  type RouteDescription,
} from './openapi.js';
export {
  type HostParsedBody,
  type RequestBodyFields,
  readBodyStream,
  readRequestBody,
} from './read-body.js';
export { ROUTES, type RouteDefinition, type RouteName } from './routes.js';
export type * from './types.js';
