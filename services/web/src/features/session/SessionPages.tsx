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

/** The issuer sends the browser back here with the code; oidc-client-ts exchanges it (PKCE). */
export function Callback() {
  const { manager } = useAuth();
  const navigate = useNavigate();
  const [failed, setFailed] = useState("");
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    manager
      .signinRedirectCallback()
      .then((user) => {
        const state = (user.state ?? {}) as { returnTo?: string };
        const target = state.returnTo && state.returnTo.startsWith("/") ? state.returnTo : "/";
        navigate(target, { replace: true });
      })
      .catch((error: unknown) => setFailed(error instanceof Error ? error.message : String(error)));
  }, [manager, navigate]);
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
