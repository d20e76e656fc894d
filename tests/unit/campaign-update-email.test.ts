import { describe, expect, it } from "vitest";
import { prepareCampaignUpdateEmail, renderCampaignUpdateEmail, type CampaignUpdateContent } from "../../emails/campaign-update";

const APP = "https://sanctuary.example.org";
const links = {
  unsubscribeUrl: `${APP}/unsubscribe/12.3.AbC_-x?lang=en`,
  preferencesUrl: `${APP}/preferences/12.XyZ-_q?lang=en`,
};

function content(overrides: Partial<CampaignUpdateContent> = {}): CampaignUpdateContent {
  return {
    locale: "en",
    title: "We won the vote",
    body: "Thank you for **calling**.\n\n[Sign here](/petitions/p) or [elsewhere](https://example.com/x).",
    campaignTitle: "Sanctuary Campus Movement",
    campaignUrl: `${APP}/campaigns/sanctuary-campus-movement?lang=en`,
    appUrl: APP,
    ...overrides,
  };
}

describe("the campaign update email", () => {
  it("carries one-click unsubscribe headers (RFC 8058) and both links in the footer", () => {
    const email = renderCampaignUpdateEmail(content(), { firstName: "Ana", ...links });
    expect(email.headers).toEqual({ "List-Unsubscribe": `<${links.unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
    expect(email.html).toContain(`href="${links.unsubscribeUrl}"`);
    expect(email.html).toContain(`href="${links.preferencesUrl}"`);
    expect(email.text).toContain(`Unsubscribe from this campaign: ${links.unsubscribeUrl}`);
    expect(email.text).toContain(links.preferencesUrl);
  });

  it("keeps what people typed from becoming markup, headers or a second subject line", () => {
    const email = renderCampaignUpdateEmail(
      content({
        title: "Vote\r\nBcc: someone@example.com <b>now</b>",
        body: "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))",
        campaignTitle: "Campus \u0000<i>movement</i>",
      }),
      { firstName: "<b>Ana</b>\u0000", ...links },
    );
    expect(email.subject).toBe("Vote Bcc: someone@example.com <b>now</b>");
    expect(email.html).not.toMatch(/<script|<img|href="javascript:|<b>|<i>/);
    expect(email.html).toContain("Hi &lt;b&gt;Ana&lt;/b&gt;,");
    expect(email.html).not.toContain("\u0000");
    expect(email.text).not.toContain("\u0000");
    expect(email.text).toContain("Hi <b>Ana</b>,");
  });

  it("refuses links that could break out of the header or the attribute", () => {
    const prepared = prepareCampaignUpdateEmail(content());
    expect(() => prepared.render({ firstName: null, ...links, unsubscribeUrl: `${APP}/unsubscribe/1>\r\nBcc: x@y.z` })).toThrow();
    expect(() => prepared.render({ firstName: null, ...links, preferencesUrl: `javascript:alert(1)` })).toThrow();
  });

  it("makes the update's site links absolute and styles its paragraphs inline", () => {
    const email = renderCampaignUpdateEmail(content(), { firstName: null, ...links });
    expect(email.html).toContain(`href="${APP}/petitions/p"`);
    expect(email.html).toContain(`href="https://example.com/x"`);
    expect(email.html).toMatch(/<p style="[^"]+">Thank you for <strong>calling<\/strong>/);
    expect(email.text).toMatch(/^Hi,$/m);
  });

  it("speaks the follower's language around the update", () => {
    const email = renderCampaignUpdateEmail(content({ locale: "es", title: "Ganamos" }), { firstName: "José", ...links });
    expect(email.html).toContain('<html lang="es">');
    expect(email.text).toContain("Hola, José:");
    expect(email.text).toContain("Dejar de seguir esta campaña");
    expect(email.text).toContain("Leer en la página de la campaña");
  });

  it("renders once and fills in each recipient: one recipient's links never leak into another's", () => {
    const prepared = prepareCampaignUpdateEmail(content());
    const a = prepared.render({ firstName: "Ana", unsubscribeUrl: `${APP}/unsubscribe/1.2.aa`, preferencesUrl: `${APP}/preferences/1.aa` });
    const b = prepared.render({ firstName: "Bo", unsubscribeUrl: `${APP}/unsubscribe/3.2.bb`, preferencesUrl: `${APP}/preferences/3.bb` });
    expect(a.html).toContain("Hi Ana,");
    expect(b.html).toContain("Hi Bo,");
    expect(b.html).not.toContain("1.2.aa");
    expect(b.text).not.toContain("Ana");
    expect(a.html.replace(/Ana|1\.2\.aa|1\.aa/g, "")).toBe(b.html.replace(/Bo|3\.2\.bb|3\.bb/g, ""));
  });
});
