import { sql, type Kysely } from "kysely";
import type { DB } from "../../db/schema";

/** A count is at most this old; the issue allows 5 s, and the margin covers a slow query. */
export const COUNT_MAX_AGE_MS = 2_000;

interface Entry {
  value: number;
  fetchedAt: number;
}

/**
 * Confirmed-signature counts, cached per process and refreshed together.
 * There is no counter row to update on each signature (a hot row caps the
 * signing rate); instead readers share one grouped COUNT at most every
 * COUNT_MAX_AGE_MS, and concurrent readers wait on the same query.
 */
export class SignatureCounts {
  private cache = new Map<number, Entry>();
  private inflight: Promise<void> | null = null;
  private pendingIds = new Set<number>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly maxAgeMs = COUNT_MAX_AGE_MS,
  ) {}

  async get(petitionId: number): Promise<number> {
    return (await this.getMany([petitionId])).get(petitionId) ?? 0;
  }

  async getMany(petitionIds: number[]): Promise<Map<number, number>> {
    const now = Date.now();
    const stale = petitionIds.filter((id) => {
      const entry = this.cache.get(id);
      return !entry || now - entry.fetchedAt > this.maxAgeMs;
    });
    if (stale.length > 0) await this.refresh(stale);
    return new Map(petitionIds.map((id) => [id, this.cache.get(id)?.value ?? 0]));
  }

  /** The cached count if it is fresh, without waiting; undefined when get() would have to query. */
  peek(petitionId: number): number | undefined {
    const entry = this.cache.get(petitionId);
    return entry && Date.now() - entry.fetchedAt <= this.maxAgeMs ? entry.value : undefined;
  }

  /** Forget one petition's cached count, so the next read (e.g. right after a confirmation) is exact. */
  invalidate(petitionId: number): void {
    this.cache.delete(petitionId);
  }

  /** Forget every cached count, e.g. after an organizer invalidates signatures. */
  clear(): void {
    this.cache.clear();
  }

  private async refresh(ids: number[]): Promise<void> {
    for (const id of ids) this.pendingIds.add(id);
    // Join a query already on its way if it covers these ids; otherwise start the next one after it.
    while (this.inflight) {
      await this.inflight;
      if (ids.every((id) => !this.pendingIds.has(id))) return;
    }
    const batch = [...this.pendingIds];
    this.pendingIds.clear();
    this.inflight = this.query(batch).finally(() => {
      this.inflight = null;
    });
    await this.inflight;
  }

  private async query(ids: number[]): Promise<void> {
    const fetchedAt = Date.now();
    const rows = await this.db
      .selectFrom("signatures")
      .select(["petition_id", sql<number>`count(*)::int`.as("n")])
      .where("petition_id", "in", ids)
      .where("status", "=", "confirmed")
      .where("flagged_reason", "is", null)
      .groupBy("petition_id")
      .execute();
    for (const id of ids) this.cache.set(id, { value: 0, fetchedAt });
    for (const row of rows) this.cache.set(row.petition_id, { value: Number(row.n), fetchedAt });
  }
}
