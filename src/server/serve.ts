import { Hono } from 'hono';
import type { Logger } from '../_shared/log.ts';
import { oweWelcomes } from '../audience/signup.ts';
import type { Config } from '../config.ts';
import { loadNewsletter } from '../content/data.ts';
import { EngagementRecorder } from '../engagement/recorder.ts';
import { reduceOldEngagement } from '../engagement/retention.ts';
import type { FetchText } from '../events/sns.ts';
import { inboundSettings } from '../events/start.ts';
import { bullCampaignQueue } from '../queue/campaign-queue.ts';
import { campaignProviders } from '../store/campaigns.ts';
import type { Store } from '../store/db.ts';
import { insertEngagement } from '../store/engagement.ts';
import { hostGuard } from './guard.ts';
import { healthRoutes, type Probe, redisProbe, storeProbe } from './health.ts';
import { type Listening, listen } from './listen.ts';
import { ledgerGauges, metricsRoutes } from './metrics.ts';
import { opsApp } from './ops/app.ts';
import { bullBoard } from './ops/queues.ts';
import { publicApp } from './public/app.ts';
import { preferencesRoutes } from './public/preferences-routes.ts';
import { signupRoutes } from './public/signup-routes.ts';
import { trackingRoutes } from './public/tracking-routes.ts';
import { webhookRoutes } from './webhooks.ts';

/** The newsletter's name for the signup pages (issues/newsletter.yml), or the public host name. */
function newsletterName(issuesDir: string, fallback: string): string {
  try {
    return loadNewsletter(issuesDir).name;
  } catch {
    return fallback;
  }
}

export interface ServeOptions {
  config: Config;
  store: Store;
  secret: string;
  /** Redis, or why there is none (readiness then says so; unsubscribes keep working). */
  redis: { url: string } | { error: string };
  port: number;
  host: string;
  log: Logger;
  /** How SNS certificates are fetched (tests give their own certificate). */
  fetchText?: FetchText;
}

/**
 * `numero serve`: the public server (unsubscribe, resubscribe, web version), the ops dashboard
 * under /ops (with Bull Board under /ops/queues), /metrics, /healthz and /readyz, on one port.
 */
export async function startServe(o: ServeOptions): Promise<Listening> {
  const { config: cfg, store } = o;
  const redisUrl = 'url' in o.redis ? o.redis.url : null;
  const probes: Probe[] = [storeProbe(store)];
  const redis = redisUrl ? redisProbe(redisUrl) : null;
  probes.push(
    redis ?? {
      name: 'redis',
      check: async () => {
        throw new Error('error' in o.redis ? o.redis.error : 'no Redis');
      },
    },
  );
  const providers = [...new Set([cfg.send.provider, ...(await campaignProviders(store.db))])];
  const board = redisUrl ? bullBoard(redisUrl, providers) : null;
  const queue = redisUrl ? bullCampaignQueue(redisUrl, 'Redis', { failFast: true }) : null;
  const gauges = ledgerGauges(store, redisUrl);
  const publicHost = new URL(cfg.publicUrl).hostname;
  const ops = opsApp({
    store,
    token: cfg.opsToken,
    hostnames: [publicHost, o.host],
    queue,
    queues: board?.app ?? null,
    trustedProxies: cfg.trustedProxies,
    redisDown: async () => {
      const probe = probes.find((p) => p.name === 'redis');
      try {
        await probe?.check();
        return null;
      } catch (e) {
        return `Redis did not answer: ${(e as Error).message}`;
      }
    },
  });

  /** A reader joined lists (a confirmed signup, the preferences page): their welcome numéros follow. */
  const joined = async (subscriberId: number, listIds: readonly number[]) => {
    for (const listId of await oweWelcomes(store.db, subscriberId, listIds))
      await queue
        ?.enqueueWelcome(cfg.send.provider, listId, subscriberId)
        .catch((e: Error) =>
          o.log.warn({ listId, subscriberId, err: e.message }, 'welcome.queue_unavailable'),
        );
  };
  // Clicks and image loads, written in batches (src/engagement/recorder.ts).
  const recorder = new EngagementRecorder({
    write: (clicks, opens) => insertEngagement(store.db, clicks, opens),
    log: (event, fields) => o.log.warn(fields, event),
  });
  // TRACKING_RETENTION_DAYS: clicks and opens are cut from their readers once they are that old.
  const reduce = () =>
    void reduceOldEngagement(store.db, cfg.trackingRetentionDays)
      .then((n) => n && o.log.info({ messages: n, days: cfg.trackingRetentionDays }, 'engagement.reduced'))
      .catch((e: Error) => o.log.warn({ err: e.message }, 'engagement.reduce_failed'));
  reduce();
  const reducer = setInterval(reduce, 3_600_000);
  reducer.unref();
  const app = new Hono();
  app.onError((err, c) => {
    o.log.error({ err: err.message, path: c.req.path }, 'http.error');
    return c.text('500 Internal error (logged)', 500);
  });
  app.route('/', ops.app);
  app.route(
    '/',
    healthRoutes(probes, (c) => ops.authority.identify(c) !== null),
  );
  app.use('/metrics', hostGuard([publicHost, o.host]));
  app.route(
    '/',
    metricsRoutes({ extra: [gauges.registry], auth: ops.authority.require({ csrfField: false }) }),
  );
  app.route(
    '/',
    webhookRoutes({
      store,
      inbound: cfg.inbound,
      settings: inboundSettings(cfg),
      log: o.log,
      ...(o.fetchText ? { fetchText: o.fetchText } : {}),
    }),
  );
  app.route(
    '/',
    signupRoutes({
      db: store.db,
      secret: o.secret,
      newsletterName: newsletterName(cfg.issuesDir, publicHost),
      ownOrigin: new URL(cfg.publicUrl).origin,
      origins: cfg.signup.origins,
      perIpPerHour: cfg.signup.perIpPerHour,
      perMinute: cfg.unsubscribeRateLimit,
      trustedProxies: cfg.trustedProxies,
      defaultLang: 'fr',
      queueConfirmation: async (signupId) => {
        if (!queue) throw new Error('no Redis');
        await queue.enqueueConfirmation(cfg.send.provider, signupId);
      },
      onJoined: joined,
      log: (event, fields) => o.log.info(fields, event),
    }),
  );
  app.route(
    '/',
    preferencesRoutes({
      db: store.db,
      secret: o.secret,
      ownOrigin: new URL(cfg.publicUrl).origin,
      defaultLang: 'fr',
      perMinute: cfg.unsubscribeRateLimit,
      trustedProxies: cfg.trustedProxies,
      onJoined: joined,
    }),
  );
  app.route('/', trackingRoutes({ db: store.db, secret: o.secret, recorder, lang: 'fr' }));
  app.route(
    '/',
    publicApp({
      store,
      secret: o.secret,
      defaultLang: 'fr',
      rateLimitPerMinute: cfg.unsubscribeRateLimit,
      trustedProxies: cfg.trustedProxies,
      workspace: cfg,
      newsletterName: newsletterName(cfg.issuesDir, publicHost),
    }),
  );
  const server = await listen(app, o.port, o.host);
  return {
    ...server,
    async close() {
      await server.close();
      clearInterval(reducer);
      await recorder.close();
      redis?.close();
      gauges.close();
      await board?.close();
      await queue?.close();
    },
  };
}
