import { Button, Result, Spin } from "antd";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";
import { messages } from "./messages";

function Centered({ children }: { children: React.ReactNode }) {
  return (
    <main style={{ maxWidth: 560, margin: "8vh auto", padding: 16 }}>
      {children}
    </main>
  );
}

export function SignedOut() {
  const { signIn } = useAuth();
  return (
    <Centered>
      <Result
        status="success"
        title={<h1 style={{ fontSize: 24, margin: 0 }}>{messages.signedOutTitle}</h1>}
        subTitle={messages.signedOutText}
        extra={<Button type="primary" onClick={() => void signIn("/")}>{messages.signInAgain}</Button>}
      />
    </Centered>
  );
}

export function SessionEnded() {
  const { signIn } = useAuth();
  return (
    <Centered>
      <Result
        status="warning"
        title={<h1 style={{ fontSize: 24, margin: 0 }}>{messages.endedTitle}</h1>}
        subTitle={messages.endedText}
        extra={<Button type="primary" onClick={() => void signIn("/")}>{messages.signInAgain}</Button>}
      />
    </Centered>
  );
}

/** Set while a sign-in started again by {@link Callback} is under way (one retry per tab, never a loop). */
export const CALLBACK_RETRY_KEY = "vanthu.signin-retried";

/** What oidc-client-ts says when the callback's state is no longer stored: this tab already used it (a reload of
 * the callback page, a second tab with the same address) or never had it. */
const STALE_STATE = /No matching state found in storage|No state in response/;

/** The issuer sends the browser back here with the code; oidc-client-ts exchanges it (PKCE).
 *
 * A reload of this page sends the one-time code again, which cannot succeed. When the first exchange had finished,
 * the person is signed in: go on to the home page. When it had not (reloaded mid-way, the state spent), the
 * sign-in starts again once; the issuer's own session usually answers at once. Any other failure is shown. */
export function Callback() {
  const { manager, signIn } = useAuth();
  const navigate = useNavigate();
  const [failed, setFailed] = useState("");
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    manager
      .signinRedirectCallback()
      .then((user) => {
        window.sessionStorage.removeItem(CALLBACK_RETRY_KEY);
        const state = (user.state ?? {}) as { returnTo?: string };
        const target = state.returnTo && state.returnTo.startsWith("/") ? state.returnTo : "/";
        navigate(target, { replace: true });
      })
      .catch(async (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const stored = await manager.getUser().catch(() => null);
        if (stored && !stored.expired) {
          navigate("/", { replace: true });
          return;
        }
        if (STALE_STATE.test(message) && !window.sessionStorage.getItem(CALLBACK_RETRY_KEY)) {
          window.sessionStorage.setItem(CALLBACK_RETRY_KEY, "1");
          await signIn("/");
          return;
        }
        window.sessionStorage.removeItem(CALLBACK_RETRY_KEY);
        setFailed(message);
      });
  }, [manager, navigate, signIn]);
  if (failed) {
    return (
      <Centered>
        <Result status="error" title={<h1 style={{ fontSize: 24, margin: 0 }}>{messages.callbackFailed}</h1>} subTitle={failed}
          extra={<Button type="primary" onClick={() => navigate("/", { replace: true })}>{messages.signInAgain}</Button>} />
      </Centered>
    );
  }
  return (
    <Centered>
      <Spin tip={messages.signingIn} size="large"><div style={{ height: 80 }} /></Spin>
    </Centered>
  );
}

/** Children only for a signed-in person; otherwise off to the login page, coming back here afterwards. */
export function RequireAuth({ children }: { children: React.ReactNode }) {
  const { user, loading, signIn, signingOut } = useAuth();
  const asked = useRef(false);
  useEffect(() => {
    // signing out forgets the user first: that is not a reason to sign in again (the issuer's page comes next)
    if (!loading && !user && !signingOut && !asked.current) {
      asked.current = true;
      void signIn(window.location.pathname + window.location.search);
    }
  }, [loading, user, signIn, signingOut]);
  if (!user) {
    return (
      <Centered>
        <Spin tip={messages.signingIn} size="large"><div style={{ height: 80 }} /></Spin>
      </Centered>
    );
  }
  return <>{children}</>;
}
