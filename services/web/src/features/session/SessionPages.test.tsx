import { render, screen } from "@testing-library/react";
import type { User, UserManager } from "oidc-client-ts";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { AuthProvider } from "../../auth/AuthProvider";
import { Callback, CALLBACK_RETRY_KEY } from "./SessionPages";

/** A UserManager as far as the callback page uses it: the code exchange fails as a reload makes it fail. */
function fakeManager(failure: string, stored: User | null) {
  return {
    signinRedirectCallback: vi.fn(async () => { throw new Error(failure); }),
    getUser: vi.fn(async () => stored),
    signinRedirect: vi.fn(async () => {}),
    events: {
      addUserLoaded: vi.fn(), removeUserLoaded: vi.fn(), addUserUnloaded: vi.fn(), removeUserUnloaded: vi.fn(),
      addAccessTokenExpired: vi.fn(), removeAccessTokenExpired: vi.fn(),
      addSilentRenewError: vi.fn(), removeSilentRenewError: vi.fn(),
    },
  };
}

const signedIn = { access_token: "t", expired: false, profile: {} } as unknown as User;

function renderCallback(manager: ReturnType<typeof fakeManager>) {
  render(
    <AuthProvider manager={manager as unknown as UserManager}>
      <MemoryRouter initialEntries={["/auth/callback?code=đã-dùng&state=s1"]}>
        <Routes>
          <Route path="/auth/callback" element={<Callback />} />
          <Route path="/" element={<p>Trang chủ</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

describe("the sign-in callback reloaded", () => {
  beforeEach(() => window.sessionStorage.clear());

  it("goes on to the home page when the first exchange had signed the person in", async () => {
    const manager = fakeManager("No matching state found in storage", signedIn);
    renderCallback(manager);
    expect(await screen.findByText("Trang chủ")).toBeInTheDocument();
    expect(manager.signinRedirect).not.toHaveBeenCalled();
  });

  it("starts the sign-in again, once, when the state was spent before the person was signed in", async () => {
    const manager = fakeManager("No matching state found in storage", null);
    renderCallback(manager);
    await vi.waitFor(() => expect(manager.signinRedirect).toHaveBeenCalledTimes(1));
    expect(manager.signinRedirect).toHaveBeenCalledWith({ state: { returnTo: "/" } });
    expect(window.sessionStorage.getItem(CALLBACK_RETRY_KEY)).toBe("1");
    expect(screen.queryByText("Không hoàn tất được việc đăng nhập")).not.toBeInTheDocument();
  });

  it("says it could not sign in when the retry came back to the same failure (no loop)", async () => {
    window.sessionStorage.setItem(CALLBACK_RETRY_KEY, "1");
    const manager = fakeManager("No matching state found in storage", null);
    renderCallback(manager);
    expect(await screen.findByText("Không hoàn tất được việc đăng nhập")).toBeInTheDocument();
    expect(manager.signinRedirect).not.toHaveBeenCalled();
    expect(window.sessionStorage.getItem(CALLBACK_RETRY_KEY)).toBeNull();  // a later sign-in may retry again
  });

  it("shows any other failure of the issuer as it is", async () => {
    const manager = fakeManager("access_denied: tài khoản bị khoá", null);
    renderCallback(manager);
    expect(await screen.findByText("access_denied: tài khoản bị khoá")).toBeInTheDocument();
    expect(manager.signinRedirect).not.toHaveBeenCalled();
  });
});
