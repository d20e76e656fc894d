import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { isMessageKey, type MessageKey } from "~/i18n/i18n";
import { useT } from "~/i18n/use-t";
import type { FollowField } from "~/validation/follow.server";

export interface FollowFormProps {
  errors?: Partial<Record<FollowField, string>>;
  values?: Record<string, string>;
}

// Ids are prefixed: the campaign page is not the only form a page might hold, and "email" is a common id.
const FIELDS: {
  name: FollowField;
  label: MessageKey;
  hint?: MessageKey;
  type: string;
  autoComplete: string;
  inputMode?: "numeric" | "email";
  maxLength: number;
  required?: boolean;
}[] = [
  { name: "email", label: "follow.email", hint: "follow.emailHint", type: "email", autoComplete: "email", inputMode: "email", maxLength: 254, required: true },
  { name: "firstName", label: "follow.firstName", type: "text", autoComplete: "given-name", maxLength: 100 },
  { name: "postalCode", label: "follow.postalCode", hint: "follow.postalCodeHint", type: "text", autoComplete: "postal-code", inputMode: "numeric", maxLength: 10 },
];

const idOf = (field: FollowField) => `follow-${field}`;

/** The follow form of a campaign page: email, optional first name and ZIP, and a honeypot. Posts to the page itself. */
export function FollowForm({ errors = {}, values = {} }: FollowFormProps) {
  const t = useT();
  const navigation = useNavigation();
  const summaryRef = useRef<HTMLDivElement>(null);
  const errorFields = FIELDS.map((f) => f.name).filter((name) => errors[name]);
  const message = (field: FollowField) => {
    const key = errors[field];
    return key && isMessageKey(key) ? t(key) : undefined;
  };
  useEffect(() => {
    if (errorFields.length > 0) summaryRef.current?.focus();
  }, [errors, errorFields.length]);

  const describedBy = (field: FollowField, hint?: MessageKey) =>
    [hint ? `${idOf(field)}-hint` : null, errors[field] ? `${idOf(field)}-error` : null].filter(Boolean).join(" ") || undefined;

  return (
    <Form method="post" className="follow-form" noValidate preventScrollReset>
      {errorFields.length > 0 ? (
        <div className="error-summary" role="alert" tabIndex={-1} ref={summaryRef} aria-labelledby="follow-error-summary-title">
          <h3 id="follow-error-summary-title">{t("errors.summary")}</h3>
          <p>{t("errors.summaryCount", { count: errorFields.length })}</p>
          <ul>
            {errorFields.map((field) => (
              <li key={field}>
                <a href={`#${idOf(field)}`}>{message(field)}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {FIELDS.map(({ name, label, hint, type, autoComplete, inputMode, maxLength, required }) => (
        <div className={`field${errors[name] ? " field-error" : ""}`} key={name}>
          <label htmlFor={idOf(name)}>{t(label)}</label>
          {hint ? (
            <p className="hint" id={`${idOf(name)}-hint`}>
              {t(hint)}
            </p>
          ) : null}
          {errors[name] ? (
            <p className="error-message" id={`${idOf(name)}-error`}>
              {message(name)}
            </p>
          ) : null}
          <input
            id={idOf(name)}
            name={name}
            type={type}
            autoComplete={autoComplete}
            inputMode={inputMode}
            defaultValue={values[name] ?? ""}
            aria-invalid={errors[name] ? true : undefined}
            aria-describedby={describedBy(name, hint)}
            required={required}
            maxLength={maxLength}
          />
        </div>
      ))}

      {/* Bots fill every field; people never see this one. */}
      <div className="honeypot" aria-hidden="true">
        <label htmlFor="follow-website">{t("follow.honeypot")}</label>
        <input id="follow-website" name="website" type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
      </div>

      <p className="privacy-note">{t("follow.privacy")}</p>
      <button type="submit" className="button-primary" disabled={navigation.state === "submitting"}>
        {t("follow.submit")}
      </button>
    </Form>
  );
}
