import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "../../emails/csv";
import {
  DIGEST_BODY_ROW_LIMIT,
  renderDeliveryDigest,
  type DeliveryDigestInput,
  type DigestSignature,
} from "../../emails/delivery-digest";
import { renderFollowEmail, type FollowEmailVariant } from "../../emails/follow-confirmation";
import { escapeHtml } from "../../emails/html";
import type { Locale } from "../../emails/i18n";
import { renderSignatureEmail, type SignatureEmailVariant } from "../../emails/signature-confirmation";
import { isPermanentMailError } from "../../emails/transport";

const LOCALES: Locale[] = ["en", "es"];
const VARIANTS: SignatureEmailVariant[] = ["confirmation", "reminder", "already-confirmed"];
const petitionUrl = "https://sanctuary.example.org/p/defy-trump-expand-sanctuary";
const confirmUrl = "https://sanctuary.example.org/confirm/abc123?x=1&y=2";

function signatureEmail(locale: Locale, variant: SignatureEmailVariant, firstName = "Ana") {
  return renderSignatureEmail({
    locale,
    variant,
    firstName,
    petitionTitle: "Tell Your Mayor to Defy Trump, Expand Sanctuary",
    petitionUrl,
    confirmUrl: variant === "already-confirmed" ? undefined : confirmUrl,
    expiresInDays: 7,
  });
}

describe("renderSignatureEmail", () => {
  for (const locale of LOCALES) {
    for (const variant of VARIANTS) {
      it(`renders ${variant} in ${locale}`, () => {
        const email = signatureEmail(locale, variant);
        expect(email.subject).toContain("Tell Your Mayor to Defy Trump, Expand Sanctuary");
        expect(email.html).toContain(`<html lang="${locale}">`);
        expect(email.html).toContain("Ana");
        expect(email.text).toContain("Ana");
        expect(email.text).not.toMatch(/<[a-z]/i);
        const footer =
          locale === "en"
            ? "You received this because this address was used to sign a petition on Sanctuary."
            : "Recibió este mensaje porque esta dirección se usó para firmar una petición en Sanctuary.";
        expect(email.html).toContain(footer);
        expect(email.text).toContain(footer);
      });
    }
  }

  it("uses the expected subjects and button labels", () => {
    expect(signatureEmail("en", "confirmation").subject).toBe(
      "Confirm your signature: Tell Your Mayor to Defy Trump, Expand Sanctuary",
    );
    expect(signatureEmail("es", "confirmation").subject).toBe(
      "Confirme su firma: Tell Your Mayor to Defy Trump, Expand Sanctuary",
    );
    expect(signatureEmail("en", "confirmation").html).toContain("Confirm my signature");
    expect(signatureEmail("es", "reminder").html).toContain("Confirmar mi firma");
    expect(signatureEmail("en", "confirmation").text).toContain("expires in 7 days");
    expect(signatureEmail("es", "confirmation").text).toContain("vence en 7 días");
  });

  it("escapes the first name in HTML", () => {
    for (const name of ["<script>alert(1)</script>", `"&'`]) {
      for (const locale of LOCALES) {
        for (const variant of VARIANTS) {
          const { html, text } = signatureEmail(locale, variant, name);
          expect(html).not.toContain(name);
          expect(html).toContain(escapeHtml(name));
          expect(text).toContain(name);
        }
      }
    }
    const { html } = signatureEmail("en", "confirmation", "<script>alert(1)</script>");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(signatureEmail("en", "confirmation", `"&'`).html).toContain("&quot;&amp;&#39;");
  });

  it("puts the confirm URL in the HTML (escaped) and the text (as is)", () => {
    for (const locale of LOCALES) {
      for (const variant of ["confirmation", "reminder"] as const) {
        const { html, text } = signatureEmail(locale, variant);
        expect(html).toContain(`href="${escapeHtml(confirmUrl)}"`);
        expect(text).toContain(confirmUrl);
      }
    }
  });

  it("has no confirm link in the already-confirmed variant, only the petition link", () => {
    for (const locale of LOCALES) {
      const email = renderSignatureEmail({
        locale,
        variant: "already-confirmed",
        firstName: "Ana",
        petitionTitle: "T",
        petitionUrl,
        confirmUrl,
        expiresInDays: 7,
      });
      expect(email.html).not.toContain("/confirm/");
      expect(email.text).not.toContain("/confirm/");
      expect(email.html).not.toMatch(/Confirm my signature|Confirmar mi firma/);
      expect(email.html).toContain(`href="${petitionUrl}"`);
      expect(email.text).toContain(petitionUrl);
    }
  });

  it("refuses a pending variant without a confirm URL, and non-http links", () => {
    expect(() =>
      renderSignatureEmail({ locale: "en", variant: "reminder", firstName: "A", petitionTitle: "T", petitionUrl, expiresInDays: 7 }),
    ).toThrow(/confirmUrl/);
    expect(() =>
      renderSignatureEmail({
        locale: "en",
        variant: "confirmation",
        firstName: "A",
        petitionTitle: "T",
        petitionUrl,
        confirmUrl: "javascript:alert(1)",
        expiresInDays: 7,
      }),
    ).toThrow();
  });
});

describe("csvCell / csvRow", () => {
  it("neutralizes formula triggers", () => {
    expect(csvCell("=SUM(A1)")).toBe("'=SUM(A1)");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2")).toBe("'-2");
    expect(csvCell("@x")).toBe("'@x");
    expect(csvCell("\tX")).toBe("'\tX");
    expect(csvCell("\rX")).toBe(`"'\rX"`);
    expect(csvCell("a=b")).toBe("a=b");
  });

  it("quotes commas, quotes and line breaks (RFC 4180)", () => {
    expect(csvCell("a,b")).toBe(`"a,b"`);
    expect(csvCell(`say "hi"`)).toBe(`"say ""hi"""`);
    expect(csvCell("line1\nline2")).toBe(`"line1\nline2"`);
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(new Date("2026-01-02T03:04:05.000Z"))).toBe("2026-01-02T03:04:05.000Z");
    expect(csvRow(["a", "b,c", null])).toBe(`a,"b,c",\r\n`);
  });
});

/** A minimal RFC 4180 parser, so the tests check what a spreadsheet would read. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i];
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && csv[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else {
      cell += ch;
    }
  }
  if (cell !== "" || row.length) rows.push([...row, cell]);
  return rows;
}

function sig(overrides: Partial<DigestSignature> = {}): DigestSignature {
  return {
    firstName: "María",
    lastName: "López",
    postalCode: "78701",
    city: "Austin",
    state: "TX",
    comment: null,
    confirmedAt: new Date("2026-11-20T15:00:00.000Z"),
    ...overrides,
  };
}

function digest(signatures: DigestSignature[], overrides: Partial<DeliveryDigestInput> = {}) {
  return renderDeliveryDigest({
    locale: "en",
    targetName: "Kirk Watson",
    targetOffice: "Mayor",
    jurisdiction: "Austin",
    petitionTitle: "Tell Your Mayor to Defy Trump, Expand Sanctuary",
    petitionUrl,
    petitionSummary: "Keep Austin a sanctuary city.",
    signatures,
    totalToDate: 1234,
    generatedAt: new Date("2026-11-25T12:00:00.000Z"),
    ...overrides,
  });
}

describe("renderDeliveryDigest", () => {
  const hostile = [
    sig({ firstName: "=SUM(A1)", lastName: "+1", comment: "-2" }),
    sig({ firstName: "@x", lastName: "\tX", comment: "\rX" }),
    sig({ firstName: "Ana, Jr.", lastName: `O"Neil`, comment: "line one\nline two", city: null, state: null }),
  ];

  it("addresses the official in English and attaches a CSV of every signature", () => {
    const d = digest(hostile);
    expect(d.subject).toBe("3 constituents of Austin signed “Tell Your Mayor to Defy Trump, Expand Sanctuary”");
    expect(d.html).toContain('<html lang="en">');
    expect(d.html).toContain("Keep Austin a sanctuary city.");
    expect(d.text).toContain(petitionUrl);
    expect(d.text).toContain("1,234");
    expect(d.attachments).toHaveLength(1);
    expect(d.attachments[0].filename).toBe("signatures-2026-11-25.csv");
    expect(d.attachments[0].contentType).toMatch(/^text\/csv/);
  });

  it("writes a CSV with BOM, header, one row per signature, neutralized and quoted", () => {
    const csv = digest(hostile).attachments[0].content;
    expect(csv.startsWith("\uFEFFfirst_name,last_name,postal_code,city,state,comment,confirmed_at\r\n")).toBe(true);
    const rows = parseCsv(csv.slice(1));
    expect(rows).toHaveLength(1 + hostile.length);
    expect(rows[0]).toEqual(["first_name", "last_name", "postal_code", "city", "state", "comment", "confirmed_at"]);
    expect(rows[1]).toEqual(["'=SUM(A1)", "'+1", "78701", "Austin", "TX", "'-2", "2026-11-20T15:00:00.000Z"]);
    expect(rows[2].slice(0, 2)).toEqual(["'@x", "'\tX"]);
    expect(rows[2][5]).toBe("'\rX");
    expect(rows[3]).toEqual([
      "Ana, Jr.",
      `O"Neil`,
      "78701",
      "",
      "",
      "line one\nline two",
      "2026-11-20T15:00:00.000Z",
    ]);
    expect(csv).toContain(`"Ana, Jr.","O""Neil"`);
  });

  it("escapes signer input in the HTML table", () => {
    const d = digest([sig({ firstName: "<b>x</b>", comment: `"&'<img src=x>` })]);
    expect(d.html).not.toContain("<b>x</b>");
    expect(d.html).not.toContain("<img");
    expect(d.html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(d.html).toContain("&quot;&amp;&#39;&lt;img src=x&gt;");
  });

  it("caps the body table at 500 rows and points to the CSV for the rest", () => {
    const many = Array.from({ length: DIGEST_BODY_ROW_LIMIT + 37 }, (_, i) => sig({ lastName: `Row${i}` }));
    const d = digest(many);
    expect(DIGEST_BODY_ROW_LIMIT).toBe(500);
    expect(d.html.match(/Row\d+/g)).toHaveLength(500);
    expect(d.html).toContain("Row499");
    expect(d.html).not.toContain("Row500");
    expect(d.html).toContain("and 37 more — see the attached CSV.");
    expect(d.text).toContain("and 37 more — see the attached CSV.");
    expect(parseCsv(d.attachments[0].content.slice(1))).toHaveLength(1 + 537);

    const small = digest([sig()]);
    expect(small.subject).toMatch(/^1 constituent of Austin signed/);
    expect(small.html).not.toContain("more —");
  });

  it("renders in Spanish when asked", () => {
    const d = digest([sig(), sig()], { locale: "es" });
    expect(d.subject).toBe("2 residentes de Austin firmaron “Tell Your Mayor to Defy Trump, Expand Sanctuary”");
    expect(d.html).toContain('<html lang="es">');
    expect(d.html).toContain("Código postal");
  });
});

describe("isPermanentMailError", () => {
  it("classifies SMTP and nodemailer errors", () => {
    const err = (props: Record<string, unknown>) => Object.assign(new Error("x"), props);
    expect(isPermanentMailError(err({ code: "EENVELOPE", responseCode: 550 }))).toBe(true);
    expect(isPermanentMailError(err({ code: "EMESSAGE", responseCode: 553 }))).toBe(true);
    expect(isPermanentMailError(err({ code: "EENVELOPE" }))).toBe(true);
    expect(isPermanentMailError(err({ code: "EENVELOPE", responseCode: 451 }))).toBe(false);
    expect(isPermanentMailError(err({ code: "EMESSAGE", responseCode: 421 }))).toBe(false);
    expect(isPermanentMailError(err({ code: "EPROTOCOL", responseCode: 503 }))).toBe(false);
    for (const code of ["ECONNECTION", "ETIMEDOUT", "ECONNREFUSED", "ESOCKET"]) {
      expect(isPermanentMailError(err({ code }))).toBe(false);
    }
    expect(isPermanentMailError(new Error("boom"))).toBe(false);
    expect(isPermanentMailError("550")).toBe(false);
    expect(isPermanentMailError(null)).toBe(false);
  });
});

describe("renderFollowEmail", () => {
  const base = {
    campaignTitle: "Sanctuary Campus Movement",
    campaignUrl: "https://sanctuary.example.org/campaigns/sanctuary-campus-movement?lang=en",
    confirmUrl: "https://sanctuary.example.org/follow/abc123?lang=en",
    preferencesUrl: "https://sanctuary.example.org/preferences/7.mac?lang=en",
    unsubscribeUrl: "https://sanctuary.example.org/unsubscribe/7.2.mac?lang=en",
    expiresInDays: 7,
  };
  const variants: FollowEmailVariant[] = ["confirmation", "reminder", "already-following"];

  for (const locale of LOCALES) {
    for (const variant of variants) {
      it(`renders ${variant} in ${locale} with the preferences link, HTML and text`, () => {
        const email = renderFollowEmail({ ...base, locale, variant, firstName: "Ana" });
        expect(email.subject).toContain("Sanctuary Campus Movement");
        expect(email.html).toContain(`<html lang="${locale}">`);
        expect(email.text).toContain("Ana");
        expect(email.text).toContain(base.preferencesUrl);
        expect(email.html).toContain(escapeHtml(base.preferencesUrl));
        expect(email.text).not.toMatch(/<[a-z]/i);
        if (variant === "already-following") {
          expect(email.text).not.toContain(base.confirmUrl);
          expect(email.text).toContain(base.unsubscribeUrl);
        } else {
          expect(email.text).toContain(base.confirmUrl);
          expect(email.html).toContain(escapeHtml(base.confirmUrl));
        }
      });
    }
  }

  it("uses the expected subjects and greets without a name when none was given", () => {
    expect(renderFollowEmail({ ...base, locale: "en", variant: "confirmation", firstName: null }).subject).toBe(
      "Confirm that you want to follow: Sanctuary Campus Movement",
    );
    expect(renderFollowEmail({ ...base, locale: "es", variant: "reminder", firstName: null }).subject).toBe(
      "Todavía no ha confirmado: Sanctuary Campus Movement",
    );
    expect(renderFollowEmail({ ...base, locale: "en", variant: "confirmation", firstName: null }).text).toMatch(/^Hi,\n/);
    expect(renderFollowEmail({ ...base, locale: "es", variant: "already-following", firstName: null }).text).toMatch(/^Hola:\n/);
  });

  it("escapes names and titles in HTML and keeps the subject on one line", () => {
    const email = renderFollowEmail({
      ...base,
      locale: "en",
      variant: "confirmation",
      firstName: "<b>Eve</b>",
      campaignTitle: "Line one\nBcc: evil@example.com <script>",
    });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.html).not.toContain("<b>Eve</b>");
    expect(email.html).toContain("&lt;b&gt;Eve&lt;/b&gt;");
    expect(email.html).not.toContain("<script>");
  });

  it("refuses to render a pending follow's email without a confirmation link", () => {
    expect(() => renderFollowEmail({ ...base, locale: "en", variant: "reminder", firstName: "Ana", confirmUrl: undefined })).toThrow(/confirmUrl/);
  });
});
