import type { Generated } from 'kysely';

/** Where a reader stands on one list. */
export const MEMBERSHIP_STATUSES = ['active', 'unsubscribed', 'bounced', 'complained'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/** The append-only log of what happened to a reader. */
export const EVENT_TYPES = [
  'subscribed',
  'unsubscribed',
  'resubscribed',
  'bounced',
  'complained',
  'suppressed',
  'unsuppressed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Timestamps are ISO-8601 UTC text and JSON is text, so SQLite and PostgreSQL store the same thing. */
export interface ListsTable {
  id: Generated<number>;
  name: string;
  lang: string;
  /** 1 when the signup form may offer it (migration 008). */
  public: Generated<number>;
  /** `double`: a signup waits for the reader's confirmation; `single`: it counts at once. */
  optin: Generated<OptIn>;
  /** The welcome numéro (a Markdown file in issues/) sent once on joining, or null. */
  welcome: string | null;
  /** JSON of its CompiledIssue, compiled when it was set: what every newcomer gets. */
  welcome_compiled: string | null;
  /** What it measures (migration 009): '' or a comma list of clicks | clicks-per-reader, opens. */
  tracking: Generated<string>;
  created_at: string;
}

/** A welcome numéro's life for one reader and list: queued → sending → sent | failed. */
export interface WelcomesTable {
  list_id: number;
  subscriber_id: number;
  status: ConfirmStatus;
  message_id: string | null;
  created_at: string;
  updated_at: string;
}

export const OPT_INS = ['double', 'single'] as const;
export type OptIn = (typeof OPT_INS)[number];

/** A confirmation message's life: queued → sending (claimed before SMTP) → sent | failed. */
export const CONFIRM_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type ConfirmStatus = (typeof CONFIRM_STATUSES)[number];

/** A signup waiting for its confirmation (migration 008): not a reader yet, never in a campaign. */
export interface SignupsTable {
  id: Generated<number>;
  email: string;
  email_normalized: string;
  name: string | null;
  /** JSON array of list ids. */
  list_ids: string;
  /** Random, in the confirmation link's MAC: a new signup for the address voids the old link. */
  nonce: string;
  lang: string;
  /** Where the signup came from: the page's URL (Referer or Origin), or `api`. */
  form: string;
  /** The words the reader agreed to, as shown. */
  consent_text: string;
  ip: string | null;
  user_agent: string | null;
  confirm_status: Generated<ConfirmStatus>;
  confirm_message_id: string | null;
  confirm_sent_at: string | null;
  confirmed_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What a reader agreed to, when and from where: the proof of consent. */
export interface ConsentsTable {
  id: Generated<number>;
  subscriber_id: number;
  list_ids: string;
  /** double (confirmed by a link) or single. */
  method: OptIn;
  form: string;
  text: string;
  ip: string | null;
  user_agent: string | null;
  /** When the form was submitted; given_at is when the link confirmed it. */
  asked_at: string;
  given_at: string;
}

export interface SubscribersTable {
  id: Generated<number>;
  /** As given: what we send to. */
  email: string;
  /** Domain lower-cased and in ASCII: what duplicates compare. */
  email_normalized: string;
  name: string | null;
  /** JSON object of extra CSV columns. */
  attributes: string;
  created_at: string;
  updated_at: string;
}

export interface MembershipsTable {
  list_id: number;
  subscriber_id: number;
  status: MembershipStatus;
  source: string;
  created_at: string;
  updated_at: string;
}

export interface SuppressionsTable {
  email_normalized: string;
  /** bounced, complained… */
  reason: string;
  detail: string | null;
  /** What put it there: smtp, import, ops… (null for rows from before migration 003). */
  source: string | null;
  campaign_id: string | null;
  created_at: string;
}

export interface EventsTable {
  id: Generated<number>;
  type: EventType;
  list_id: number | null;
  subscriber_id: number | null;
  campaign_id: string | null;
  /** How it happened: import, link, one-click, mailto, cli, smtp 5.1.1 … */
  reason: string | null;
  created_at: string;
}

/** A campaign's life: one state machine, see src/campaign/state.ts. */
export const CAMPAIGN_STATES = ['draft', 'queued', 'sending', 'sent', 'paused', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/**
 * A delivery's life. pending → sending (claimed by a job, before SMTP) → sent | bounced | retrying |
 * failed; skipped when the reader left or was suppressed before their turn. `sending` rows that
 * outlive their job are the only ones that may be sent twice (see the README).
 */
export const DELIVERY_STATUSES = [
  'pending',
  'sending',
  'sent',
  'retrying',
  'failed',
  'bounced',
  'skipped',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface CampaignsTable {
  id: Generated<number>;
  issue_file: string;
  issue_slug: string;
  content_hash: string;
  list_id: number;
  subject: string;
  state: CampaignState;
  state_reason: string | null;
  /** JSON of the CompiledIssue: what every reader of this campaign gets, fixed at creation. */
  compiled: string;
  batch_size: number;
  batches: number;
  total: number;
  provider: string;
  scheduled_at: string | null;
  /** Random, per campaign, in every Message-ID (null for campaigns from before migration 004). */
  message_key: string | null;
  /** 1 when its Message-IDs and return paths carry a per-delivery MAC (migration 007). */
  signed_ids: Generated<number>;
  /** Its list's tracking when it was created (migration 009). */
  tracking: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** A link a tracked campaign rewrote to /r/ (migration 009), numbered in the order of the issue. */
export interface CampaignLinksTable {
  campaign_id: number;
  position: number;
  url: string;
  /** The link's text (an image's alt), as the report names it. */
  text: string;
}

/** A click on a tracked link, or a load of the open-tracking image (migration 009). */
interface EngagementRow {
  id: Generated<number>;
  campaign_id: number;
  at: string;
  /** 1 for a machine: a mail scanner, an image proxy, a prefetcher (see src/engagement/bots.ts). */
  machine: number;
  /** Why it is a machine: head, agent, burst… (null for a person). */
  why: string | null;
  /** Tells one message from another: random, or `r` + the delivery with clicks-per-reader. */
  message_key: string;
  /** With clicks-per-reader only, until TRACKING_RETENTION_DAYS; then null. */
  delivery_id: number | null;
}

export interface ClicksTable extends EngagementRow {
  position: number;
}

export type OpensTable = EngagementRow;

export interface DeliveriesTable {
  id: Generated<number>;
  campaign_id: number;
  subscriber_id: number;
  batch_no: number;
  status: DeliveryStatus;
  attempts: number;
  message_id: string | null;
  smtp_code: number | null;
  smtp_response: string | null;
  claimed_at: string | null;
  next_attempt_at: string | null;
  sent_at: string | null;
  updated_at: string;
}

/** A message that came back, recorded once (see src/events/). */
export interface InboundMessagesTable {
  id: Generated<number>;
  /** sha256 of the raw message (or of the provider's event id): a second copy is recognised. */
  digest: string;
  /** smtp, imap, ses, postmark, file… */
  source: string;
  /** The top-level header block, at most 16 KB. */
  headers: string;
  /** JSON: what the classifier said, per recipient. */
  summary: string;
  /** base64 of the raw message, cleared after BOUNCE_KEEP_DAYS. */
  raw: string | null;
  received_at: string;
}

export const BOUNCE_KINDS = ['hard', 'soft', 'policy', 'complaint', 'autoreply', 'unknown'] as const;

export interface BounceReportsTable {
  id: Generated<number>;
  inbound_id: number;
  kind: (typeof BOUNCE_KINDS)[number];
  recipient: string | null;
  status: string | null;
  diagnostic: string | null;
  campaign_id: number | null;
  subscriber_id: number | null;
  /** What numero did: suppressed, counted, logged, ignored (why)… */
  action: string;
  created_at: string;
}

export interface Database {
  campaigns: CampaignsTable;
  deliveries: DeliveriesTable;
  lists: ListsTable;
  subscribers: SubscribersTable;
  memberships: MembershipsTable;
  suppressions: SuppressionsTable;
  events: EventsTable;
  inbound_messages: InboundMessagesTable;
  bounce_reports: BounceReportsTable;
  signups: SignupsTable;
  consents: ConsentsTable;
  welcomes: WelcomesTable;
  campaign_links: CampaignLinksTable;
  clicks: ClicksTable;
  opens: OpensTable;
}

export const now = (): string => new Date().toISOString();
