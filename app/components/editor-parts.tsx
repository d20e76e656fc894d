import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useEffect, useRef, type ReactNode, type TextareaHTMLAttributes } from "react";
import type { FormValues } from "~/validation/content.server";
import { describedBy, FieldMessages } from "./admin-field";

export { describedBy, FieldMessages };

// Pieces shared by the petition and campaign editors. Admin pages are English-only for now.

/** A labelled textarea with its hint and error tied to it. */
export function AdminTextarea({
  name,
  label,
  error,
  hint,
  ...textarea
}: { name: string; label: string; error?: string; hint?: ReactNode } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <div className={`field${error ? " field-error" : ""}`}>
      <label htmlFor={name}>{label}</label>
      <FieldMessages name={name} hint={hint} error={error} />
      <textarea id={name} name={name} aria-invalid={error ? true : undefined} aria-describedby={describedBy(name, Boolean(hint), Boolean(error))} {...textarea} />
    </div>
  );
}

/** Labels for the error summary's links, in the form's order. */
export type FieldLabels = Record<string, string>;

/** The list of problems at the top of a form; it takes focus when it appears, and each entry links to its field. */
export function ErrorSummary({ errors, labels }: { errors: Record<string, string>; labels: FieldLabels }) {
  const ref = useRef<HTMLDivElement>(null);
  const names = Object.keys(labels).filter((name) => errors[name]);
  const other = Object.keys(errors).filter((name) => !(name in labels));
  const count = names.length + other.length;
  useEffect(() => {
    if (count > 0) ref.current?.focus();
  }, [errors, count]);
  if (count === 0) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">There is a problem with what you entered</h2>
      <p>{count === 1 ? "Fix this field and save again:" : `Fix these ${count} fields and save again:`}</p>
      <ul>
        {names.map((name) => (
          <li key={name}>
            <a href={`#${name}`}>
              {labels[name]}: {errors[name]}
            </a>
          </li>
        ))}
        {other.map((name) => (
          <li key={name}>{errors[name]}</li>
        ))}
      </ul>
    </div>
  );
}

export interface TextPreviewData {
  locale: "en" | "es";
  title: string;
  summary: string;
  bodyHtml: string;
}

/** The server-rendered (sanitized) preview shown beside the form after "Preview". */
export function PreviewPanel({ previews }: { previews: TextPreviewData[] }) {
  return (
    <aside className="editor-preview" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview (not saved)</h2>
      {previews.map((preview) => (
        <section key={preview.locale} lang={preview.locale} className="panel" aria-label={preview.locale === "es" ? "Spanish preview" : "English preview"}>
          <p className="eyebrow">{preview.locale === "es" ? "Español" : "English"}</p>
          <h3>{preview.title || "(no title yet)"}</h3>
          {preview.summary ? <p className="lead">{preview.summary}</p> : null}
          <div className="prose" dangerouslySetInnerHTML={{ __html: preview.bodyHtml }} />
        </section>
      ))}
    </aside>
  );
}

/** A value from the typed or loaded values, as a string. */
export function valueOf(values: FormValues, name: string): string {
  const value = values[name];
  return typeof value === "string" ? value : "";
}

/** A repeated value (checkboxes) from the typed or loaded values. */
export function valuesOf(values: FormValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}

/** The six English/Spanish text fields, Spanish in its own group marked optional. */
export function TranslationFields({
  values,
  errors,
  summaryRequired,
  what,
}: {
  values: FormValues;
  errors: Record<string, string>;
  summaryRequired: boolean;
  what: "petition" | "campaign";
}) {
  return (
    <>
      <fieldset className="editor-group">
        <legend>English</legend>
        <div className={`field${errors.titleEn ? " field-error" : ""}`}>
          <label htmlFor="titleEn">Title</label>
          <FieldMessages name="titleEn" error={errors.titleEn} />
          <input
            id="titleEn"
            name="titleEn"
            defaultValue={valueOf(values, "titleEn")}
            maxLength={200}
            required
            aria-invalid={errors.titleEn ? true : undefined}
            aria-describedby={describedBy("titleEn", false, Boolean(errors.titleEn))}
          />
        </div>
        <AdminTextarea
          name="summaryEn"
          label={summaryRequired ? "Summary" : "Summary (optional)"}
          hint={`One or two sentences, shown on the ${what} cards and in link previews.`}
          rows={3}
          maxLength={500}
          defaultValue={valueOf(values, "summaryEn")}
          error={errors.summaryEn}
          required={summaryRequired}
        />
        <AdminTextarea
          name="bodyEn"
          label="Text"
          hint="Markdown: **bold**, *italic*, [a link](https://example.org), lists with -, headings with ##. Press Preview to see it."
          rows={14}
          maxLength={10_000}
          defaultValue={valueOf(values, "bodyEn")}
          error={errors.bodyEn}
          required
        />
      </fieldset>
      <fieldset className="editor-group">
        <legend>
          <span lang="es">Español</span> (optional)
        </legend>
        <p className="hint">Leave every Spanish field empty to show the English text to Spanish readers.</p>
        <div className={`field${errors.titleEs ? " field-error" : ""}`}>
          <label htmlFor="titleEs">Spanish title</label>
          <FieldMessages name="titleEs" error={errors.titleEs} />
          <input
            id="titleEs"
            name="titleEs"
            defaultValue={valueOf(values, "titleEs")}
            maxLength={200}
            lang="es"
            aria-invalid={errors.titleEs ? true : undefined}
            aria-describedby={describedBy("titleEs", false, Boolean(errors.titleEs))}
          />
        </div>
        <AdminTextarea name="summaryEs" label="Spanish summary" lang="es" rows={3} maxLength={500} defaultValue={valueOf(values, "summaryEs")} error={errors.summaryEs} />
        <AdminTextarea name="bodyEs" label="Spanish text (Markdown)" lang="es" rows={14} maxLength={10_000} defaultValue={valueOf(values, "bodyEs")} error={errors.bodyEs} />
      </fieldset>
    </>
  );
}

/** Save first, so pressing Enter in a field saves; Preview is a second submit button that saves nothing. */
export function EditorButtons({ saveLabel }: { saveLabel: string }) {
  return (
    <div className="editor-buttons">
      <button type="submit" name="intent" value="save" className="button-primary">
        {saveLabel}
      </button>
      <button type="submit" name="intent" value="preview" className="button-secondary">
        Preview
      </button>
    </div>
  );
}

/** The error page of the editors: a 403 says the role does not allow it; a 404 that there is no such page. */
export function EditorErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 403) {
    return (
      <section className="panel" role="alert">
        <h1>Your role does not allow this</h1>
        <p>You can see this organization&apos;s numbers, but only its organizers and owners can create or change petitions and campaigns.</p>
        <p>Ask an owner of the organization if you need a different role.</p>
        <p>
          <Link to="/admin">Back to the petitions</Link>
        </p>
      </section>
    );
  }
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section className="panel" role="alert">
        <h1>Page not found</h1>
        <p>There is no such petition or campaign in your organizations.</p>
        <p>
          <Link to="/admin">Back to the petitions</Link>
        </p>
      </section>
    );
  }
  if (isRouteErrorResponse(error)) {
    return (
      <section className="panel" role="alert">
        <h1>{error.status === 503 ? "Temporarily unavailable" : "Something went wrong"}</h1>
        <p>{error.status === 503 ? "The database is not answering. Try again in a few seconds." : "We could not read what was sent. Go back, check the form and send it again."}</p>
      </section>
    );
  }
  return (
    <section className="panel" role="alert">
      <h1>Something went wrong</h1>
      <p>Nothing was saved. Try again; if it keeps happening, tell the site&apos;s operator.</p>
    </section>
  );
}
