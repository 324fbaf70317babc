import { Layout } from './layout.js';

/** The login form: the token goes in a POST body once and is exchanged for a session cookie. */
export function LoginPage(props: { nonce: string; error?: string; disabled?: boolean }) {
  return (
    <Layout title="Verrijk · sign in" nonce={props.nonce}>
      <div class="login">
        <h2>Verrijk status</h2>
        {props.disabled ? (
          <p class="error">Admin is disabled: set ADMIN_TOKEN (at least 16 characters) and restart to use this page.</p>
        ) : (
          <form method="post" action="/login">
            {props.error ? <p class="error">{props.error}</p> : null}
            <label for="token">Admin token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
            <button class="primary" type="submit">
              Sign in
            </button>
          </form>
        )}
      </div>
    </Layout>
  );
}
