/**
 * Every span attribute and metric label name Wren sets, in one place. Messaging names follow the
 * OpenTelemetry messaging semantic conventions; `wren.*` are ours. No payloads or personal data in
 * attributes: names, versions and counts only.
 */
export const ATTR = {
  messagingSystem: "messaging.system",
  messagingDestination: "messaging.destination.name",
  messagingOperationType: "messaging.operation.type",
  messagingOperationName: "messaging.operation.name",
  messagingConsumerGroup: "messaging.consumer.group.name",
  messagingBodySize: "messaging.message.body.size",
  errorType: "error.type",
  rpcSystem: "rpc.system",
  rpcService: "rpc.service",
  rpcMethod: "rpc.method",
  rpcGrpcStatusCode: "rpc.grpc.status_code",
  serviceName: "service.name",

  /** Bus attempt number (1 = first try) of a request. */
  busAttempt: "wren.bus.attempt",
  /** Remaining deadline budget in ms when a message was sent / received. */
  busBudgetMs: "wren.bus.budget_ms",
  candidateCount: "wren.candidates.count",
  recallChannels: "wren.recall.channels",
  coldStart: "wren.recall.cold_start",
  model: "wren.model.name",
  modelVersion: "wren.model.version",
  featureVersion: "wren.features.version",
  degraded: "wren.degraded",
  degradedReason: "wren.degraded.reason",
  experiment: "wren.experiment",
  variant: "wren.experiment.variant",
} as const;

/** `messaging.system` value for NATS. */
export const MESSAGING_SYSTEM_NATS = "nats";
