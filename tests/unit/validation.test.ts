import { describe, expect, it } from "vitest";
import { parseSignatureForm } from "~/validation/signature.server";

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

const valid = { firstName: "Ana", lastName: "López", email: "ana@example.com", postalCode: "94110" };

describe("the signature form", () => {
  it("accepts a valid signature and trims what was typed", () => {
    const result = parseSignatureForm(form({ ...valid, firstName: "  Ana  María ", comment: "  hi  " }));
    expect(result).toEqual({
      ok: true,
      data: { ...valid, firstName: "Ana María", comment: "hi", optIn: false, anonymous: false },
    });
  });

  it("accepts ZIP+4 with or without the dash and stores it with one", () => {
    for (const postalCode of ["94110-1234", "941101234"]) {
      const result = parseSignatureForm(form({ ...valid, postalCode }));
      expect(result.ok && result.data.postalCode).toBe("94110-1234");
    }
  });

  it.each([
    ["postalCode", "9411", "errors.postalCode.invalid"],
    ["postalCode", "94110-12", "errors.postalCode.invalid"],
    ["postalCode", "abcde", "errors.postalCode.invalid"],
    ["postalCode", "", "errors.postalCode.required"],
    ["email", "ana@", "errors.email.invalid"],
    ["email", "ana example.com", "errors.email.invalid"],
    ["email", "", "errors.email.required"],
    ["firstName", "", "errors.firstName.required"],
    ["firstName", "   ", "errors.firstName.required"],
    ["firstName", "x".repeat(101), "errors.firstName.tooLong"],
    ["lastName", "Lo\u0000pez", "errors.lastName.invalid"],
    ["lastName", "Lo\u202Epez\u2028", "errors.lastName.invalid"],
    ["comment", "x".repeat(1001), "errors.comment.tooLong"],
    ["comment", "bad\u0007bell", "errors.comment.invalid"],
  ])("rejects %s %j with a message that says how to fix it", (field, value, key) => {
    const result = parseSignatureForm(form({ ...valid, [field]: value }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[field as keyof typeof result.errors]).toBe(key);
  });

  it("keeps newlines in comments and allows 100-character names and 1,000-character comments", () => {
    const result = parseSignatureForm(form({ ...valid, firstName: "x".repeat(100), comment: `line one\nline two${"y".repeat(980)}` }));
    expect(result.ok).toBe(true);
  });

  it("reads checkboxes as browsers send them, unchecked by default", () => {
    expect(parseSignatureForm(form({ ...valid, optIn: "on" }))).toMatchObject({ data: { optIn: true, anonymous: false } });
    expect(parseSignatureForm(form(valid))).toMatchObject({ data: { optIn: false } });
  });

  it("names every missing field at once", () => {
    const result = parseSignatureForm(new FormData());
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual(["email", "firstName", "lastName", "postalCode"]);
  });

  it("treats a file upload in a text field as missing, not as text", () => {
    const data = form(valid);
    data.set("firstName", new Blob(["Ana"]), "name.txt");
    expect(parseSignatureForm(data).ok).toBe(false);
  });
});
