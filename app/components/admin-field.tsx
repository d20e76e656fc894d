import type { InputHTMLAttributes, ReactNode } from "react";

/** The ids an input's aria-describedby names: its hint and its error, when present. */
export function describedBy(name: string, hint: boolean, error: boolean): string | undefined {
  return [hint ? `${name}-hint` : null, error ? `${name}-error` : null].filter(Boolean).join(" ") || undefined;
}

/** A field's hint and error, with the ids describedBy() names. */
export function FieldMessages({ name, hint, error }: { name: string; hint?: ReactNode; error?: string }) {
  return (
    <>
      {hint ? (
        <p className="hint" id={`${name}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="error-message" id={`${name}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

/** A labelled input with its error tied to it, for the workspace's forms. */
export function AdminField({
  name,
  label,
  error,
  hint,
  ...input
}: { name: string; label: string; error?: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className={`field${error ? " field-error" : ""}`}>
      <label htmlFor={name}>{label}</label>
      <FieldMessages name={name} hint={hint} error={error} />
      <input id={name} name={name} aria-invalid={error ? true : undefined} aria-describedby={describedBy(name, Boolean(hint), Boolean(error))} {...input} />
    </div>
  );
}
