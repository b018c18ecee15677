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
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Timestamps are ISO-8601 UTC text and JSON is text, so SQLite and PostgreSQL store the same thing. */
export interface ListsTable {
  id: Generated<number>;
  name: string;
  lang: string;
  created_at: string;
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
  reason: string;
  detail: string | null;
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

export interface Database {
  lists: ListsTable;
  subscribers: SubscribersTable;
  memberships: MembershipsTable;
  suppressions: SuppressionsTable;
  events: EventsTable;
}

export const now = (): string => new Date().toISOString();
