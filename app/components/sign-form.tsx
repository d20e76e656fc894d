import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { isMessageKey, type MessageKey } from "~/i18n/i18n";
import { useT } from "~/i18n/use-t";
import type { SignatureField } from "~/validation/signature.server";

export interface SignFormProps {
  errors?: Partial<Record<SignatureField, string>>;
  values?: Record<string, string>;
  /** `source` and `utm_*` from the page's URL, carried through the form to the signature. */
  tracking: Record<string, string>;
}

const TEXT_FIELDS: { name: SignatureField; label: MessageKey; hint?: MessageKey; type: string; autoComplete: string; inputMode?: "numeric" | "email" }[] = [
  { name: "firstName", label: "sign.firstName", type: "text", autoComplete: "given-name" },
  { name: "lastName", label: "sign.lastName", type: "text", autoComplete: "family-name" },
  { name: "email", label: "sign.email", hint: "sign.emailHint", type: "email", autoComplete: "email", inputMode: "email" },
  { name: "postalCode", label: "sign.postalCode", hint: "sign.postalCodeHint", type: "text", autoComplete: "postal-code", inputMode: "numeric" },
];

export function SignForm({ errors = {}, values = {}, tracking }: SignFormProps) {
  const t = useT();
  const navigation = useNavigation();
  const summaryRef = useRef<HTMLDivElement>(null);
  const errorFields = Object.keys(errors) as SignatureField[];
  const message = (field: SignatureField) => {
    const key = errors[field];
    return key && isMessageKey(key) ? t(key) : undefined;
  };
  useEffect(() => {
    if (errorFields.length > 0) summaryRef.current?.focus();
  }, [errors, errorFields.length]);

  const describedBy = (field: SignatureField, hint?: MessageKey) =>
    [hint ? `${field}-hint` : null, errors[field] ? `${field}-error` : null].filter(Boolean).join(" ") || undefined;

  return (
    <Form method="post" className="sign-form" noValidate>
      {errorFields.length > 0 ? (
        <div className="error-summary" role="alert" tabIndex={-1} ref={summaryRef} aria-labelledby="error-summary-title">
          <h3 id="error-summary-title">{t("errors.summary")}</h3>
          <p>{t("errors.summaryCount", { count: errorFields.length })}</p>
          <ul>
            {errorFields.map((field) => (
              <li key={field}>
                <a href={`#${field}`}>{message(field)}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {TEXT_FIELDS.map(({ name, label, hint, type, autoComplete, inputMode }) => (
        <div className={`field${errors[name] ? " field-error" : ""}`} key={name}>
          <label htmlFor={name}>{t(label)}</label>
          {hint ? (
            <p className="hint" id={`${name}-hint`}>
              {t(hint)}
            </p>
          ) : null}
          {errors[name] ? (
            <p className="error-message" id={`${name}-error`}>
              {message(name)}
            </p>
          ) : null}
          <input
            id={name}
            name={name}
            type={type}
            autoComplete={autoComplete}
            inputMode={inputMode}
            defaultValue={values[name] ?? ""}
            aria-invalid={errors[name] ? true : undefined}
            aria-describedby={describedBy(name, hint)}
            required
            maxLength={name === "email" ? 254 : name === "postalCode" ? 10 : 100}
          />
        </div>
      ))}

      <div className={`field${errors.comment ? " field-error" : ""}`}>
        <label htmlFor="comment">{t("sign.comment")}</label>
        <p className="hint" id="comment-hint">
          {t("sign.commentHint")}
        </p>
        {errors.comment ? (
          <p className="error-message" id="comment-error">
            {message("comment")}
          </p>
        ) : null}
        <textarea
          id="comment"
          name="comment"
          rows={3}
          maxLength={1000}
          defaultValue={values.comment ?? ""}
          aria-invalid={errors.comment ? true : undefined}
          aria-describedby={describedBy("comment", "sign.commentHint")}
        />
      </div>

      <div className="checkbox">
        <input id="optIn" name="optIn" type="checkbox" defaultChecked={Boolean(values.optIn)} />
        <label htmlFor="optIn">{t("sign.optIn")}</label>
      </div>
      <div className="checkbox">
        <input id="anonymous" name="anonymous" type="checkbox" defaultChecked={Boolean(values.anonymous)} />
        <label htmlFor="anonymous">{t("sign.anonymous")}</label>
      </div>

      {/* Bots fill every field; people never see this one. */}
      <div className="honeypot" aria-hidden="true">
        <label htmlFor="website">{t("sign.honeypot")}</label>
        <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
      </div>
      {Object.entries(tracking).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}

      <p className="privacy-note">{t("sign.privacy")}</p>
      <button type="submit" className="button-primary" disabled={navigation.state === "submitting"}>
        {t("sign.submit")}
      </button>
    </Form>
  );
}
