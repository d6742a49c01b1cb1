import { ENDPOINTS, EVENTS, ratingTopology, SERVICES, type ServiceName } from "@wren/contracts";

export type EndpointKey = keyof typeof ENDPOINTS;
export type EventKey = keyof typeof EVENTS;

/**
 * The deployment topology: which endpoints each service calls and which events it publishes. Serving is
 * not listed here: it comes from each endpoint's `service` in the contracts. A test cross-checks this
 * table against the `ENDPOINTS.*` references in each service's source, so a new call cannot ship without
 * its permission.
 */
export const CALLS: Readonly<Record<ServiceName, { requests: EndpointKey[]; publishes: EventKey[] }>> = {
  gateway: {
    requests: [
      "recommend",
      "catalogMovies",
      "catalogSimilar",
      "catalogGenre",
      "catalogGenres",
      "catalogUser",
    ],
    publishes: ["exposure"],
  },
  "ranking-service": { requests: ["recallCandidates", "featuresBatch"], publishes: [] },
  "recall-service": { requests: [], publishes: [] },
  "feature-service": { requests: [], publishes: [] },
};

/** Reply inboxes of nats.js requests (`createInbox()` → `_INBOX.<nuid>`). */
export const INBOX = "_INBOX.>";
/** The `@nats-io/services` discovery prefix: `$SRV.PING|INFO|STATS[.<name>[.<id>]]`. */
export const SERVICE_API_PREFIX = "$SRV";

/**
 * The JetStream worker: not a request/reply service (no `SERVICES` entry), but a compose service and NATS
 * user of the same name.
 */
export const NEARLINE_WORKER = "nearline-worker";
export type NatsUser = ServiceName | typeof NEARLINE_WORKER;

const JS_API = "$JS.API";

/**
 * JetStream API subjects of the rating pipeline (deployments run unprefixed, so the stream names are the
 * contracts' defaults). The gateway and the worker both create or update the two streams: the gateway on
 * its first rating, the worker at start-up, whichever comes first (`ensureRatingStreams`). `$JS.API.INFO`
 * is the account check of `jetstreamManager()`.
 */
export function ratingStreamAdmin(): string[] {
  const t = ratingTopology();
  const streams = [t.stream, t.deadLetterStream];
  return [
    `${JS_API}.INFO`,
    ...streams.flatMap((s) => ["INFO", "CREATE", "UPDATE"].map((op) => `${JS_API}.STREAM.${op}.${s}`)),
  ];
}

/**
 * What the worker does on the ratings stream and nothing more: create/update and read its durable consumer
 * (`CONSUMER.CREATE.<stream>.<name>.<filter>`) and the ordered consumers of replays (random names, same
 * stream), pull, ack its own durable's messages, and publish dead letters. No stream or consumer deletes,
 * no access to other streams.
 */
export function ratingWorkerPublish(): string[] {
  const t = ratingTopology();
  return [
    ...ratingStreamAdmin(),
    `${JS_API}.CONSUMER.CREATE.${t.stream}.>`,
    `${JS_API}.CONSUMER.INFO.${t.stream}.*`,
    `${JS_API}.CONSUMER.MSG.NEXT.${t.stream}.*`,
    `$JS.ACK.${t.stream}.${t.consumer}.>`,
    t.deadLetter,
  ];
}

export interface PermissionSet {
  user: NatsUser;
  /** Env var holding this user's password, referenced from nats.conf. */
  passwordEnv: string;
  publish: string[];
  subscribe: string[];
  /** Lets a server reply to the inbox of a request it received, without publish rights on `_INBOX.>`. */
  allowResponses: boolean;
}

export function passwordEnv(user: string): string {
  return `NATS_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_PASSWORD`;
}

/** Least-privilege sets: a service subscribes only to what it serves and publishes only what it calls. */
export function permissionSets(): PermissionSet[] {
  const services = Object.values(SERVICES).map((user): PermissionSet => {
    const served = Object.values(ENDPOINTS)
      .filter((e) => e.service === user)
      .map((e) => e.subject);
    const calls = CALLS[user];
    const publish = [
      ...calls.requests.map((k) => ENDPOINTS[k].subject),
      ...calls.publishes.map((k) => EVENTS[k].subject),
    ];
    // The gateway stores accepted ratings in JetStream (a request answered with a PubAck on its inbox).
    if (user === SERVICES.gateway) publish.push(ratingTopology().submitted, ...ratingStreamAdmin());
    const subscribe = [...served];
    if (calls.requests.length > 0) subscribe.push(INBOX);
    if (served.length > 0) {
      // Discovery for all services, for this service's name, and for one instance of it.
      subscribe.push(
        `${SERVICE_API_PREFIX}.*`,
        `${SERVICE_API_PREFIX}.*.${user}`,
        `${SERVICE_API_PREFIX}.*.${user}.*`,
      );
    }
    return { user, passwordEnv: passwordEnv(user), publish, subscribe, allowResponses: served.length > 0 };
  });
  // Pulled messages, PubAcks and JetStream API answers all arrive on the worker's inbox.
  const worker: PermissionSet = {
    user: NEARLINE_WORKER,
    passwordEnv: passwordEnv(NEARLINE_WORKER),
    publish: ratingWorkerPublish(),
    subscribe: [INBOX],
    allowResponses: false,
  };
  return [...services, worker];
}

/** Operators (the `nats` CLI, `nats micro ls`) get everything. */
export const ADMIN_USER = "admin";

const q = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(q).join(", ")}]`;

/** The `authorization` block included by deploy/nats/nats.conf. Passwords come from the environment. */
export function renderPermissionsConf(sets: PermissionSet[] = permissionSets()): string {
  const lines = [
    "# GENERATED from packages/contracts by `pnpm --filter @wren/deploy-tests generate`: do not edit.",
    "# One user per service; each may publish only the subjects it calls and subscribe only to the subjects",
    "# it serves, its reply inboxes and its own service-discovery subjects; JetStream API calls only on the",
    "# rating streams, and only those its code makes.",
    "authorization {",
    "  users: [",
    `    { user: ${q(ADMIN_USER)}, password: $${passwordEnv(ADMIN_USER)} }`,
  ];
  for (const s of sets) {
    // An empty allow list means "no restriction" to nats-server: a service that calls nothing gets deny-all
    // (replies still pass through allow_responses).
    const pub = s.publish.length > 0 ? `allow: ${list(s.publish)}` : `deny: ${list([">"])}`;
    const sub = s.subscribe.length > 0 ? `allow: ${list(s.subscribe)}` : `deny: ${list([">"])}`;
    const perms = [`publish: { ${pub} }`, `subscribe: { ${sub} }`];
    if (s.allowResponses) perms.push("allow_responses: true");
    lines.push(`    { user: ${q(s.user)}, password: $${s.passwordEnv}, permissions: {`);
    for (const p of perms) lines.push(`        ${p}`);
    lines.push("    } }");
  }
  lines.push("  ]", "}", "");
  return lines.join("\n");
}
