import { CSV_BOM, csvRow } from "./csv";
import { escapeHtml, heading, layout, paragraph, urlLink, type RenderedEmail } from "./html";
import { digestStrings, oneLine, type Locale } from "./i18n";
import type { MailAttachment } from "./transport";

/** Rows shown in the body; beyond this the message gets too heavy for mail clients, the CSV has them all. */
export const DIGEST_BODY_ROW_LIMIT = 500;

export const DIGEST_CSV_HEADER = [
  "first_name",
  "last_name",
  "postal_code",
  "city",
  "state",
  "comment",
  "confirmed_at",
] as const;

export interface DigestSignature {
  firstName: string;
  lastName: string;
  postalCode: string;
  city: string | null;
  state: string | null;
  comment: string | null;
  confirmedAt: Date;
}

export interface DeliveryDigestInput {
  /** Officials get English unless the target says otherwise. */
  locale: Locale;
  targetName: string;
  targetOffice: string;
  jurisdiction: string;
  petitionTitle: string;
  petitionUrl: string;
  petitionSummary: string;
  /** The signatures in this digest (all of them go into the CSV). */
  signatures: DigestSignature[];
  /** Confirmed signatures from this target's constituents across all digests, this one included. */
  totalToDate: number;
  /** Dates the CSV file name; defaults to now. */
  generatedAt?: Date;
}

export interface RenderedDigest extends RenderedEmail {
  attachments: MailAttachment[];
}

function place(signature: DigestSignature): string {
  return [signature.city, signature.state].filter((part): part is string => Boolean(part)).join(", ");
}

/** The CSV of every signature in the digest: UTF-8 with BOM, CRLF, formula cells neutralized. */
export function digestCsv(signatures: readonly DigestSignature[]): string {
  let csv = CSV_BOM + csvRow(DIGEST_CSV_HEADER);
  for (const s of signatures) {
    csv += csvRow([s.firstName, s.lastName, s.postalCode, s.city, s.state, s.comment, s.confirmedAt]);
  }
  return csv;
}

const CELL = "padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top";

function signaturesTableHtml(locale: Locale, rows: readonly DigestSignature[]): string {
  const c = digestStrings[locale].columns;
  const head = [c.name, c.postalCode, c.city, c.comment]
    .map((label) => `<th scope="col" style="${CELL};font-weight:bold">${escapeHtml(label)}</th>`)
    .join("");
  const body = rows
    .map((s) => {
      const cells = [`${s.firstName} ${s.lastName}`, s.postalCode, place(s), s.comment ?? ""]
        .map((value) => `<td style="${CELL};white-space:pre-line">${escapeHtml(value)}</td>`)
        .join("");
      return `<tr>${cells}</tr>`;
    })
    .join("\n");
  return `<table role="table" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.4;color:#1f2933">
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function signaturesText(rows: readonly DigestSignature[]): string {
  return rows
    .map((s) => {
      const where = [s.postalCode, place(s)].filter(Boolean).join(" ");
      const line = `- ${s.firstName} ${s.lastName} (${where})`;
      return s.comment ? `${line}\n  “${oneLine(s.comment)}”` : line;
    })
    .join("\n");
}

/** Renders the digest of confirmed signatures sent to one official, with a CSV of all of them. */
export function renderDeliveryDigest(input: DeliveryDigestInput): RenderedDigest {
  const s = digestStrings[input.locale];
  const n = input.signatures.length;
  const title = oneLine(input.petitionTitle);
  const jurisdiction = oneLine(input.jurisdiction);
  const subject = s.subject(n, jurisdiction, title);
  const shown = input.signatures.slice(0, DIGEST_BODY_ROW_LIMIT);
  const hidden = n - shown.length;

  const bodyHtml = [
    heading(subject),
    paragraph(escapeHtml(s.greeting(input.targetName, input.targetOffice))),
    paragraph(escapeHtml(s.intro(n, jurisdiction, title))),
    paragraph(escapeHtml(s.total(input.totalToDate))),
    `<h2 style="margin:24px 0 8px;font-family:Arial,Helvetica,sans-serif;font-size:18px;color:#1f2933">${escapeHtml(s.summaryHeading)}</h2>`,
    `<div style="white-space:pre-line">${paragraph(escapeHtml(input.petitionSummary))}</div>`,
    paragraph(`${escapeHtml(s.readPetition)} ${urlLink(input.petitionUrl)}`),
    `<h2 style="margin:24px 0 8px;font-family:Arial,Helvetica,sans-serif;font-size:18px;color:#1f2933">${escapeHtml(s.signaturesHeading)}</h2>`,
    signaturesTableHtml(input.locale, shown),
    hidden > 0 ? paragraph(escapeHtml(s.more(hidden))) : "",
  ]
    .filter(Boolean)
    .join("\n");

  const text = [
    s.greeting(input.targetName, input.targetOffice),
    s.intro(n, jurisdiction, title),
    s.total(input.totalToDate),
    `${s.summaryHeading}:\n${input.petitionSummary}`,
    `${s.readPetition}\n${input.petitionUrl}`,
    `${s.signaturesHeading}:\n${signaturesText(shown)}${hidden > 0 ? `\n${s.more(hidden)}` : ""}`,
    "--",
    s.footer,
  ].join("\n\n");

  const date = (input.generatedAt ?? new Date()).toISOString().slice(0, 10);
  return {
    subject,
    html: layout({
      locale: input.locale,
      title: subject,
      preheader: s.intro(n, jurisdiction, title),
      bodyHtml,
      footerHtml: escapeHtml(s.footer),
    }),
    text: `${text}\n`,
    attachments: [
      { filename: `signatures-${date}.csv`, contentType: "text/csv; charset=utf-8", content: digestCsv(input.signatures) },
    ],
  };
}
