export { type NatsAuth, natsAuthFromEnv } from "./auth.js";
export { Bus, type BusConfig, type RequestOptions } from "./bus.js";
export { BUDGET_HEADER, CODEC_HEADER } from "./context.js";
export {
  DeadlineExceededError,
  ERROR_HEADERS,
  errorShapeFromHeaders,
  NoRespondersError,
  RemoteError,
  toErrorShape,
} from "./errors.js";
export {
  type Handler,
  type HandlerContext,
  type Route,
  route,
  type ServiceHandle,
  type ServiceSpec,
  serve,
} from "./serve.js";
export {
  awaitRedis,
  busEnv,
  envInt,
  type RunServiceOptions,
  runService,
  serviceRedisOptions,
} from "./service-runtime.js";
