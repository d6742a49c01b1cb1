import { counter, histogram, registry } from "@wren/telemetry";
import { Gauge } from "prom-client";

/** Events handled, by outcome (applied, duplicate, superseded, dead-letter, retry): rate() = events/s. */
export const eventsTotal = counter("wren_nearline_events_total", "Rating events handled by outcome", [
  "outcome",
]);
export const deadLetters = counter("wren_nearline_dead_letters_total", "Rating events dead-lettered", [
  "reason",
]);
/** From the gateway accepting the rating to the worker's Lua write returning: the change is visible. */
export const eventToVisible = histogram(
  "wren_nearline_event_to_visible_seconds",
  "Gateway acceptance of a rating to its features being readable in the live version",
  [],
);
export const applySeconds = histogram("wren_nearline_apply_seconds", "Time to apply one event", []);
export const consumerPending = new Gauge({
  name: "wren_nearline_consumer_pending",
  help: "Rating events not yet delivered to any worker (JetStream num_pending)",
  registers: [registry],
});
export const consumerAckPending = new Gauge({
  name: "wren_nearline_consumer_ack_pending",
  help: "Rating events delivered but not yet acknowledged (JetStream num_ack_pending)",
  registers: [registry],
});
export const replayedEvents = counter(
  "wren_nearline_replayed_events_total",
  "Events replayed onto a new feature version after its pointer flipped",
  ["outcome"],
);
