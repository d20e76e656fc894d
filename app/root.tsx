import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Links,
  Link,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
} from "@remix-run/react";
import { createContext, useContext } from "react";
import { getLocale } from "~/i18n/locale.server";
import { isMessageKey } from "~/i18n/i18n";
import { useLocale, useT } from "~/i18n/use-t";
import styles from "~/styles.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.ico" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  return { locale: await getLocale(request) };
}

function LanguageSwitcher() {
  const t = useT();
  const locale = useLocale();
  const location = useLocation();
  const returnTo = location.pathname + location.search.replace(/([?&])lang=\w+&?/, "$1").replace(/[?&]$/, "");
  return (
    <Form method="post" action="/locale" className="lang-switch" reloadDocument aria-labelledby="lang-label">
      <input type="hidden" name="returnTo" value={returnTo} />
      <span id="lang-label">{t("lang.switch")}:</span>{" "}
      {(["en", "es"] as const).map((code) => (
        <button key={code} type="submit" name="locale" value={code} lang={code} aria-pressed={locale === code} className="link-button">
          {t(`lang.${code}`)}
        </button>
      ))}
    </Form>
  );
}

/**
 * This request's CSP nonce, provided by entry.server.tsx around the whole app
 * on the server. In the browser it is undefined: scripts added after
 * hydration load from /build, which the policy allows without a nonce.
 */
export const NonceContext = createContext<string | undefined>(undefined);

export function Layout({ children }: { children: React.ReactNode }) {
  const locale = useLocale();
  const t = useT();
  const nonce = useContext(NonceContext);
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t("nav.skip")}
        </a>
        <header className="site-header">
          <a href="/" className="brand">
            {t("site.name")}
          </a>
          <LanguageSwitcher />
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>{t("footer.privacy")}</p>
          <p>
            <Link to="/preferences">{t("footer.preferences")}</Link>
          </p>
          <p>{t("footer.source")}</p>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const t = useT();
  if (isRouteErrorResponse(error)) {
    const key = (error.data as { messageKey?: string } | null)?.messageKey;
    if (error.status === 404) {
      return (
        <section className="panel">
          <h1>{t("notFound.title")}</h1>
          <p>{t("notFound.body")}</p>
          <p>
            <a href="/">{t("nav.home")}</a>
          </p>
        </section>
      );
    }
    const title = error.status === 503 ? t("unavailable.title") : t("errors.summary");
    return (
      <section className="panel" role="alert">
        <h1>{title}</h1>
        <p>{key && isMessageKey(key) ? t(key) : t("errors.badRequest")}</p>
        <p>
          <a href="/">{t("nav.home")}</a>
        </p>
      </section>
    );
  }
  return (
    <section className="panel" role="alert">
      <h1>{t("error.title")}</h1>
      <p>{t("error.body")}</p>
    </section>
  );
}
