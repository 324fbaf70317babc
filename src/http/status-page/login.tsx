import type { Ui } from './format.js';
import { Layout } from './layout.js';

/** The login form: the token goes in a POST body once and is exchanged for a session cookie. */
export function LoginPage(props: { nonce: string; ui: Ui; error?: string }) {
  const t = props.ui.t.login;
  return (
    <Layout title={t.title} nonce={props.nonce} lang={props.ui.lang}>
      <div class="login">
        <h2>{t.heading}</h2>
        <form method="post" action="/login">
          {props.error ? <p class="error">{props.error}</p> : null}
          <label for="token">{t.token}</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <button class="primary" type="submit">
            {t.submit}
          </button>
        </form>
      </div>
    </Layout>
  );
}

/** What GET / answers when no ADMIN_TOKEN is set: how to turn the admin on, and where the API docs are. */
export function AdminDisabledPage(props: { nonce: string; ui: Ui }) {
  const t = props.ui.t.disabled;
  return (
    <Layout title={t.title} nonce={props.nonce} lang={props.ui.lang}>
      <div class="login wide" id="admin-disabled">
        <h2>{t.heading}</h2>
        <p>{t.body}</p>
        <p>{t.example}</p>
        <pre>
          <code>{`ADMIN_TOKEN=${t.placeholder}`}</code>
        </pre>
        <p>{t.generate}</p>
        <pre>
          <code>openssl rand -base64 32</code>
        </pre>
        <p>
          {t.docs} <a href="/docs">/docs</a>.
        </p>
      </div>
    </Layout>
  );
}
