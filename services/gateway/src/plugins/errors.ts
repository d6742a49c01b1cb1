import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { BackendError, statusOfBackendError } from "../domain/errors.js";

/** A request parameter that passed the schema but not the data (unknown model or genre). */
export class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotFound extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const ERROR_NAME: Record<number, string> = { 502: "bad_gateway", 503: "unavailable", 504: "timeout" };

/** Every error becomes a JSON body; 4xx name the parameter, 5xx hide their details (logged instead). */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation && err.validation.length > 0) {
      const v = err.validation[0] as {
        instancePath: string;
        params: Record<string, unknown>;
        message?: string;
      };
      const parameter =
        typeof v.params.missingProperty === "string"
          ? v.params.missingProperty
          : v.instancePath.replace(/^\//, "");
      const where = err.validationContext === "params" ? "path" : (err.validationContext ?? "request");
      return reply.code(400).send({
        error: "bad_request",
        parameter,
        message: `${where} parameter ${parameter} ${v.message ?? "is invalid"}`,
      });
    }
    if (err instanceof BadParameter) {
      return reply.code(400).send({ error: "bad_request", parameter: err.parameter, message: err.message });
    }
    if (err instanceof NotFound) {
      return reply.code(404).send({ error: "not_found", parameter: err.parameter, message: err.message });
    }
    if (err instanceof BackendError) {
      const status = statusOfBackendError[err.kind];
      // Expected under overload or outage: no stack (source-mapped stacks are costly exactly when CPU is short).
      request.log.warn({ backend: err.kind, reason: err.message }, "backend error");
      return reply.code(status).send({
        error: ERROR_NAME[status] ?? "unavailable",
        message: "the recommendation services could not answer; try again",
      });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      return reply.code(status).send({ error: err.code ?? "bad_request", message: err.message });
    }
    request.log.error({ err }, "request failed");
    return reply.code(500).send({ error: "internal", message: "internal error" });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` }),
  );
});
