import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "dayjs/locale/vi";
import "./base.css";
import { App, createQueryClient } from "./App";
import { createUserManager, loadConfig } from "./auth/oidc";
import { nonceStyles, readNonce } from "./csp/nonce";

// the page's style nonce (the gateway's policy has no 'unsafe-inline'): for Ant Design and any other <style> made
const nonce = readNonce();
if (nonce) nonceStyles(nonce);
const root = createRoot(document.getElementById("root") as HTMLElement);
loadConfig()
  .then((config) => {
    root.render(
      <StrictMode>
        <App manager={createUserManager(config)} queryClient={createQueryClient()} nonce={nonce} />
      </StrictMode>,
    );
  })
  .catch(() => {
    root.render(<p role="alert">Không tải được cấu hình đăng nhập của VanThu. Hãy tải lại trang hoặc báo quản trị.</p>);
  });
