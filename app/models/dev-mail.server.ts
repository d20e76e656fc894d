import type { Kysely } from "kysely";
import type { DB } from "../../db/schema";

/** The newest messages in the dev mailbox (development only: production sends real mail). */
export async function listDevMail(db: Kysely<DB>, limit = 100) {
  return db
    .selectFrom("dev_mail")
    .select(["id", "to_address", "subject", "created_at"])
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

export async function getDevMail(db: Kysely<DB>, id: number) {
  return db.selectFrom("dev_mail").selectAll().where("id", "=", id).executeTakeFirst();
}
