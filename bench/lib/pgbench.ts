import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lookupZip } from "../../app/lib/zip.server";
import { ADMIN_URL, type BenchDatabase } from "./db";
import { startCpuMeter, type CpuReport } from "./cpu";
import { startChild } from "./process";

export const PGBENCH = process.env.PGBENCH ?? "/usr/bin/pgbench";

/**
 * The signing transaction as signPetition sends it (app/models/signatures.server.ts),
 * minus the application: the same columns and values, the signature and its
 * outbox row in one statement (INSERT … ON CONFLICT DO NOTHING RETURNING id in a
 * WITH, the outbox row inserted from it), so one round trip. Each client numbers
 * its own emails (:seq persists per client), so every one is new.
 */
export function signingScript(): string {
  const place = lookupZip("94110");
  const text = (value: string | null) => (value === null ? "null" : `'${value.replace(/'/g, "''")}'`);
  const email = "'pgbench-' || :client_id || '-' || :seq || '@example.com'";
  return `\\set seq :seq + 1
WITH created AS (INSERT INTO signatures (petition_id, first_name, last_name, email, email_normalized, postal_code, zip5, city, county, state, comment, anonymous, opt_in, consent_text, consent_at, locale, source, utm, emails_sent, last_emailed_at, ip_hash, flagged_reason) VALUES (:petition, 'Ana', 'Bench', ${email}, ${email}, '94110', '94110', ${text(place.city)}, ${text(place.county)}, ${text(place.state)}, null, false, false, null, null, 'en', null, null, 1, now(), null, null) ON CONFLICT (petition_id, email_normalized) DO NOTHING RETURNING id) INSERT INTO outbox (kind, payload) SELECT 'signature.confirmation', jsonb_build_object('signatureId', created.id) FROM created RETURNING (payload->>'signatureId')::int;
`;
}

export interface PgbenchResult {
  tps: number;
  latencyMs: number;
  transactions: number;
  failed: number;
  rowsStored: number;
  cpu: CpuReport;
  command: string;
}

/** Runs pgbench with the signing script on a bench database and parses its tps. */
export async function runPgbench(database: BenchDatabase, options: { clients: number; threads: number; seconds: number }): Promise<PgbenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "sanctuary-pgbench-"));
  try {
    const script = path.join(dir, "signing.sql");
    writeFileSync(script, signingScript());
    const admin = new URL(ADMIN_URL);
    const args = [
      "-h", admin.hostname, "-p", admin.port || "5432", "-U", decodeURIComponent(admin.username || "postgres"),
      "-c", String(options.clients), "-j", String(options.threads), "-T", String(options.seconds), "-n",
      "-D", `petition=${database.petitionId}`, "-D", "seq=0",
      "-f", script, database.name,
    ];
    const child = startChild("pgbench", PGBENCH, args);
    const meter = startCpuMeter({ pgbench: child.pid });
    const code = await child.exited;
    const cpu = meter.stop();
    await child.stop();
    const output = child.output();
    if (code !== 0) throw new Error(`pgbench exited ${code}:\n${output}`);
    const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
    const { rows } = await database.db.selectFrom("signatures").select((eb) => eb.fn.countAll<string>().as("n")).execute().then((r) => ({ rows: r }));
    return {
      tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
      latencyMs: number(/latency average = ([\d.]+) ms/),
      transactions: number(/number of transactions actually processed: (\d+)/),
      failed: number(/number of failed transactions: (\d+)/) || 0,
      rowsStored: Number(rows[0].n),
      cpu,
      command: `pgbench -c ${options.clients} -j ${options.threads} -T ${options.seconds} -n -f signing.sql`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
