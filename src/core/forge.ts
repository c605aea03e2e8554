/** The forges whose webhooks Roger reads and whose commits it reports on. */
export const FORGE_NAMES = ['github', 'gitlab', 'gitea'] as const;
export type ForgeName = (typeof FORGE_NAMES)[number];

export type RefType = 'branch' | 'tag';

/** One webhook request as received: headers (lower-case names) and the body exactly as sent. */
export interface HookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Who sent a delivery and what about: the forge's delivery id (unique per forge) and its event name. */
export interface DeliveryHeader {
  id: string;
  event: string;
}

/** A merge/pull request's head, as its forge reports it. */
export interface PullHead {
  branch: string;
  sha: string;
  /** True when the head branch lives in another repository than the request's target. */
  fromFork: boolean;
}

/**
 * What a delivery asks for, in every forge's terms. `identity` is what the payload itself asks for
 * (repository, ref and commits, or comment id): the same body sent again under a new delivery id has
 * the same identity and builds nothing more within `windowMs`.
 */
export type HookIntent =
  | {
      kind: 'build';
      /** The URL to clone; checked against builds.allowedSchemes when the build is requested. */
      repo: string;
      /** Branch or tag name, without `refs/heads/` or `refs/tags/`. */
      ref: string;
      refType: RefType;
      /** Known for pushes; unknown for GitHub's `create`. */
      commit: string | undefined;
      identity: string | undefined;
      windowMs?: number;
    }
  /** "build please!" on a merge/pull request: its head builds, settings.matching aside. `head` is
   *  given when the payload carries it; otherwise the forge looks it up (after the answer). */
  | { kind: 'request'; repo: string; number: number; owner: string; name: string; head?: PullHead; identity: string | undefined }
  /** A push whose head commit message carries a skip marker: recorded, nothing built. */
  | { kind: 'skip'; reason: string; repo: string; ref: string }
  | { kind: 'ignore'; reason: string; repo?: string; ref?: string }
  /** The forge checking the hook works (GitHub's `ping`). */
  | { kind: 'ping' };

/**
 * The Forge port: one per forge (GitHub, GitLab, Gitea/Forgejo). It knows its webhooks' headers,
 * signature and payloads; what happens to an intent (deduplication, recording, queueing) is shared.
 * Call order per request: `verify`, `header`, `parse`; `pullHead` later, for `request` intents
 * without a head.
 */
export interface Forge {
  readonly name: ForgeName;
  /** Why its webhooks are refused (GitLab and Gitea need their token or secret set); undefined = accepted. */
  readonly disabled: string | undefined;
  /** Throws an `unauthorized` RogerError when the request is not signed by the forge. */
  verify(req: HookRequest): Promise<void>;
  /** The delivery id and event; throws a bad-input error for a missing or malformed event header. */
  header(req: HookRequest): DeliveryHeader;
  /** Why the payload's repository may not trigger builds here, or undefined (an allow-list). */
  refused?(payload: Record<string, unknown>): string | undefined;
  /** The payload as an intent; a bad-input error for a buildable event of the wrong shape. */
  parse(event: string, payload: Record<string, unknown>): HookIntent;
  /** Looks a merge/pull request's head up; a not-found error when the forge does not know it. */
  pullHead(owner: string, name: string, number: number): Promise<PullHead>;
}
