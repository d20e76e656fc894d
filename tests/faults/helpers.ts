import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { sql, type Kysely } from "kysely";
import { expect } from "vitest";
import { lookupZip } from "../../app/lib/zip.server";
import type { DB } from "../../db/schema";
import { OUTBOX_QUEUE } from "../../jobs/queue";
import type { ChildHandle } from "../support/processes";
import type { AcceptedMail } from "./slow-smtp";

export const FAULTS = Boolean(process.env.FAULTS);
export const PREFIX = "fault";

/** Reads the BullMQ queue that the worker processes use, from the test process. */
export function inspectQueue(redisUrl: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  connection.on("error", () => {});
  const queue = new Queue(OUTBOX_QUEUE, { connection, prefix: PREFIX });
  queue.on("error", () => {});
  return {
    counts: () => queue.getJobCounts("active", "waiting", "delayed", "completed", "failed", "prioritized"),
    async close() {
      await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}

/** The last lines of a process's output, for failure messages. */
export const tail = (handle: ChildHandle, chars = 4_000) => `--- ${handle.name} ---\n${handle.output().slice(-chars)}`;

/** Messages per recipient + subject that arrived more than once. */
export function sentTwice(messages: AcceptedMail[]): string[] {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(`${m.to} | ${m.subject}`, (counts.get(`${m.to} | ${m.subject}`) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${n}× ${key}`);
}

/** The signers ("First Last") listed in a digest's CSV attachment. */
export function csvSigners(mail: AcceptedMail): string[] {
  const csv = mail.attachments.find((a) => a.filename?.endsWith(".csv"));
  if (!csv) throw new Error(`no CSV attachment in "${mail.subject}"`);
  const lines = csv.content.toString("utf8").replace(/^\uFEFF/, "").split("\r\n").filter(Boolean);
  expect(lines[0]).toMatch(/^first_name,last_name,/);
  return lines.slice(1).map((line) => line.split(",").slice(0, 2).join(" "));
}

/** A new open petition aimed at the signers' mayor and county sheriff. */
export async function createLocalPetition(db: Kysely<DB>, title: string): Promise<number> {
  const organization = await db.selectFrom("organizations").select("id").executeTakeFirstOrThrow();
  const petition = await db
    .insertInto("petitions")
    .values({
      organization_id: organization.id,
      slug: `fault-${randomBytes(4).toString("hex")}`,
      status: "open",
      target_rule: "local",
      target_levels: ["city", "county"],
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("petition_translations")
    .values([
      { petition_id: petition.id, locale: "en", title, summary: "Fault test.", body: "Body" },
      { petition_id: petition.id, locale: "es", title: `${title} (es)`, summary: "Prueba.", body: "Cuerpo" },
    ])
    .execute();
  return petition.id;
}

/** Confirmed signatures, as confirming leaves them, with a unique name each; returns how many. */
export async function addConfirmedSignatures(
  db: Kysely<DB>,
  petitionId: number,
  zips: string[],
  perZip: number,
  tag: string,
): Promise<number> {
  const rows = zips.flatMap((zip) =>
    Array.from({ length: perZip }, (_, i) => {
      const place = lookupZip(zip);
      const email = `${tag}.${zip}.${i}.${randomBytes(3).toString("hex")}@example.com`;
      return {
        petition_id: petitionId,
        first_name: `${tag}${zip}n${i}`,
        last_name: `P${petitionId}`,
        email,
        email_normalized: email,
        postal_code: zip,
        zip5: place.zip5,
        city: place.city,
        county: place.county,
        state: place.state,
        locale: "en" as const,
        status: "confirmed" as const,
        confirmed_at: sql<Date>`now()`,
      };
    }),
  );
  for (let i = 0; i < rows.length; i += 500) await db.insertInto("signatures").values(rows.slice(i, i + 500)).execute();
  return rows.length;
}

/**
 * Every (signature, official) pair that must be delivered, worked out here from the
 * tables (not with the app's query): confirmed signatures of "local" petitions, to
 * each active official at one of the petition's levels who serves the signature's ZIP.
 */
export async function expectedClaims(db: Kysely<DB>) {
  const { rows } = await sql<{ signature_id: number; target_id: number; petition_id: number; to: string; name: string; title: string }>`
    select s.id as signature_id, t.id as target_id, s.petition_id, t.email as "to",
           s.first_name || ' ' || s.last_name as name, tr.title
    from signatures s
    join petitions p on p.id = s.petition_id and p.target_rule = 'local'
    join petition_translations tr on tr.petition_id = p.id and tr.locale = 'en'
    join target_zip_codes tz on tz.zip_code = s.zip5
    join targets t on t.id = tz.target_id and t.active and t.level = any(p.target_levels)
    where s.status = 'confirmed'`.execute(db);
  return rows;
}
